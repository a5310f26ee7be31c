//! A local moto server for tests, of this crate and of others.
//!
//! [`MotoServer::start`] finds moto, starts it on a free loopback port, waits
//! until it answers and kills it on drop (so also when a test panics). The
//! launcher is `tests/moto/ecsforge_moto.py` of the workspace (moto plus
//! shims for APIs moto lacks) run with the venv's python, or the venv's plain
//! `moto_server` when that file does not exist. The venv is
//! `$ECSFORGE_MOTO_VENV`, else `<workspace>/target/moto-venv` (created by
//! `.ci/moto-venv.sh`); `$ECSFORGE_MOTO_SERVER` names a `moto_server`
//! executable directly. When moto is missing, [`MotoServer::start`] fails
//! with a message saying how to install it: tests fail loudly, never pass
//! silently.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;

use crate::AwsOptions;

/// The workspace root (this crate lives in `<root>/crates/ecsforge-aws`).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Why moto could not be started.
#[derive(Debug, thiserror::Error)]
pub enum MotoError {
    #[error(
        "moto is not installed: {looked_for} does not exist; hint: run `.ci/moto-venv.sh` (it creates target/moto-venv with moto[server]), or set ECSFORGE_MOTO_VENV to a venv with moto[server] or ECSFORGE_MOTO_SERVER to a moto_server executable"
    )]
    NotFound { looked_for: String },
    #[error("could not start moto ({command}): {source}; hint: check that the venv works (`{command} --help`)")]
    Spawn { command: String, source: std::io::Error },
    #[error("moto ({command}) exited before answering on 127.0.0.1:{port} ({status}); hint: run it by hand to see why")]
    Exited { command: String, port: u16, status: String },
    #[error(
        "moto ({command}) did not answer on 127.0.0.1:{port} within {waited:?}; hint: the machine may be overloaded"
    )]
    NotReady { command: String, port: u16, waited: Duration },
    #[error("no free loopback port: {0}")]
    Port(std::io::Error),
}

/// A running moto server, killed on drop.
pub struct MotoServer {
    child: Child,
    port: u16,
}

impl MotoServer {
    /// Starts moto on a free port of 127.0.0.1 and waits until it answers.
    pub fn start() -> Result<MotoServer, MotoError> {
        let port =
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).and_then(|l| l.local_addr()).map_err(MotoError::Port)?.port();
        let mut cmd = command(port)?;
        let shown = format!("{cmd:?}");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| MotoError::Spawn { command: shown.clone(), source })?;
        let mut server = MotoServer { child, port };
        let waited = Duration::from_secs(60);
        let start = Instant::now();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(MotoError::Exited { command: shown, port, status: status.to_string() });
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(server);
            }
            if start.elapsed() > waited {
                return Err(MotoError::NotReady { command: shown, port, waited });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An SDK configuration for this server: see [`test_sdk_config`].
    pub async fn sdk_config(&self, region: &str) -> SdkConfig {
        test_sdk_config(&self.endpoint(), region).await
    }
}

/// An SDK configuration for a test endpoint: dummy credentials (so the
/// credential chain never asks the instance metadata service), one attempt
/// per call (so a failing call fails fast).
pub async fn test_sdk_config(endpoint: &str, region: &str) -> SdkConfig {
    let opts = AwsOptions { region: region.to_string(), endpoint: Some(endpoint.to_string()), profile: None };
    crate::loader(&opts, RetryConfig::standard().with_max_attempts(1)).test_credentials().load().await
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(port: u16) -> Result<Command, MotoError> {
    command_from(
        std::env::var_os("ECSFORGE_MOTO_SERVER").map(PathBuf::from),
        std::env::var_os("ECSFORGE_MOTO_VENV").map(PathBuf::from),
        &workspace_root(),
        port,
    )
}

/// The moto command for the given `ECSFORGE_MOTO_SERVER`, `ECSFORGE_MOTO_VENV` and workspace root.
fn command_from(server: Option<PathBuf>, venv: Option<PathBuf>, root: &Path, port: u16) -> Result<Command, MotoError> {
    let port = port.to_string();
    if let Some(server) = server {
        if !server.exists() {
            return Err(MotoError::NotFound { looked_for: server.display().to_string() });
        }
        let mut c = Command::new(server);
        c.args(["-H", "127.0.0.1", "-p", &port]);
        return Ok(c);
    }
    let venv = venv.unwrap_or_else(|| root.join("target/moto-venv"));
    let launcher = root.join("tests/moto/ecsforge_moto.py");
    let python = venv.join("bin/python");
    if launcher.exists() && python.exists() {
        let mut c = Command::new(python);
        c.arg(launcher).args(["--host", "127.0.0.1", "--port", &port]);
        return Ok(c);
    }
    let server = venv.join("bin/moto_server");
    if !server.exists() {
        return Err(MotoError::NotFound { looked_for: server.display().to_string() });
    }
    let mut c = Command::new(server);
    c.args(["-H", "127.0.0.1", "-p", &port]);
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_moto_says_how_to_install_it() {
        let root = Path::new("/nonexistent-workspace");
        let err = command_from(None, None, root, 5000).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "moto is not installed: /nonexistent-workspace/target/moto-venv/bin/moto_server does not exist"
            ),
            "{err}"
        );
        assert!(err.contains("run `.ci/moto-venv.sh`"), "{err}");
        let err = command_from(Some("/nope/moto_server".into()), None, root, 5000).unwrap_err().to_string();
        assert!(err.starts_with("moto is not installed: /nope/moto_server does not exist"), "{err}");
    }

    #[test]
    fn the_launcher_is_preferred_over_plain_moto_server() {
        let root = tempdir();
        let venv = root.join("venv");
        std::fs::create_dir_all(venv.join("bin")).unwrap();
        std::fs::write(venv.join("bin/python"), "").unwrap();
        std::fs::write(venv.join("bin/moto_server"), "").unwrap();
        let plain = format!("{:?}", command_from(None, Some(venv.clone()), &root, 5000).unwrap());
        assert!(plain.contains("moto_server") && plain.contains("\"-p\" \"5000\""), "{plain}");
        std::fs::create_dir_all(root.join("tests/moto")).unwrap();
        std::fs::write(root.join("tests/moto/ecsforge_moto.py"), "").unwrap();
        let launcher = format!("{:?}", command_from(None, Some(venv), &root, 5000).unwrap());
        assert!(launcher.contains("ecsforge_moto.py") && launcher.contains("\"--port\" \"5000\""), "{launcher}");
        std::fs::remove_dir_all(&root).unwrap();
    }

    fn tempdir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("ecsforge-moto-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
