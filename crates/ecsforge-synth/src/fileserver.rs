//! The Windows SMB file server of doc 000 (`file_server:`): one Windows
//! Server 2022 instance in a private subnet, reached by the services that set
//! `mounts_file_server`, managed through Session Manager, with its SMB
//! credentials in Secrets Manager.
//!
//! The password is never part of the model. It reaches AWS only through the
//! sensitive input variable [`PASSWORD_VARIABLE`], which re-checks the
//! Windows Server 2022 rules when Terraform is given a value; the secret
//! version `jsonencode`s it; the boot script reads it from Secrets Manager.

use ecsforge_manifest::{Egress, FileServer};
use ecsforge_model::{Address, Concern, Kind, Provenance, Reference, Value, Variable, VariableValidation};

use crate::capacity::base64;
use crate::network::{Net, lit, ref_part};
use crate::{Cx, aws_name, policy, r, tf_ident};

/// The root-module variable that carries the SMB account's password.
pub const PASSWORD_VARIABLE: &str = "file_server_admin_password";

/// The Windows Server 2022 image, resolved by EC2 at launch (no data source,
/// so an offline plan works).
pub const IMAGE_ID: &str = "resolve:ssm:/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base";

/// The root device of Windows AMIs.
const ROOT_DEVICE: &str = "/dev/sda1";

/// Interface endpoints the file server needs: Session Manager (ssm,
/// ssmmessages, ec2messages) and Secrets Manager for its credentials.
pub const ENDPOINTS: [&str; 4] = ["ec2messages", "secretsmanager", "ssm", "ssmmessages"];

/// SMB and the ports Windows file sharing uses besides it (doc 000 §3).
const SMB_PORTS: [(&str, &str, u16, u16); 4] = [
    ("smb", "SMB", 445, 445),
    ("netbios", "NetBIOS session", 139, 139),
    ("rpc", "RPC endpoint mapper", 135, 135),
    ("rpc_dynamic", "dynamic RPC", 1024, 65535),
];

/// The Secrets Manager name of the SMB credentials.
pub fn secret_name(project: &str, env: &str) -> String {
    format!("{project}/{env}/file-server/smb-credentials")
}

/// Builds the file server when the manifest declares one.
pub(crate) fn build(cx: &mut Cx, net: &Net, endpoints_sg: &Address, service_sgs: &[(String, Address)]) {
    let Some(fs) = cx.m.file_server.clone() else { return };
    let c = Concern::FileServer;
    let p = cx.prov(&fs.loc);
    let prefix = cx.prefix.clone();
    let name = format!("{prefix}-file-server");

    // --- Variable -------------------------------------------------------------
    password_variable(cx, &p);

    // --- Security group and rules ---------------------------------------------
    // Service SGs are named `<prefix>-<service>`; the underscore, which service
    // names cannot contain, keeps a service called `file-server` from clashing.
    let sg_name = format!("{prefix}-file_server");
    let sg = cx
        .res(Kind::SecurityGroup, "file_server", c.clone(), p.clone())
        .with("name", sg_name.as_str())
        .with("description", "Windows SMB file server: SMB from the services that mount it")
        .with("vpc_id", r(&net.vpc, "id"));
    let sg = cx.add(sg, Some(&name));
    for (svc, task_sg) in service_sgs {
        let Some(s) = cx.m.service(svc).filter(|s| s.mounts_file_server) else { continue };
        let sp = cx.prov(&s.loc);
        let id = tf_ident(svc);
        for (port_id, what, from, to) in SMB_PORTS {
            let ports = if from == to { format!("port {from}") } else { format!("ports {from}-{to}") };
            rule(
                cx,
                Kind::SecurityGroupIngressRule,
                &c,
                &sp,
                &sg,
                &format!("file_server_{port_id}_from_{id}"),
                (from, to),
                "tcp",
                Peer::Sg(r(task_sg, "id")),
                format!("{what} ({ports}) from {svc} tasks"),
            );
            rule(
                cx,
                Kind::SecurityGroupEgressRule,
                &Concern::Service(svc.clone()),
                &sp,
                task_sg,
                &format!("{id}_to_file_server_{port_id}"),
                (from, to),
                "tcp",
                Peer::Sg(r(&sg, "id")),
                format!("{what} ({ports}) to the file server"),
            );
        }
    }
    // Egress: HTTPS only, each rule once and standalone (doc 000's
    // inline-plus-standalone conflict cannot arise).
    rule(
        cx,
        Kind::SecurityGroupEgressRule,
        &c,
        &p,
        &sg,
        "file_server_to_endpoints",
        (443, 443),
        "tcp",
        Peer::Sg(r(endpoints_sg, "id")),
        "HTTPS to interface VPC endpoints (Session Manager, Secrets Manager)".into(),
    );
    rule(
        cx,
        Kind::SecurityGroupEgressRule,
        &c,
        &p,
        &sg,
        "file_server_to_s3",
        (443, 443),
        "tcp",
        Peer::PrefixList(r(&Address::new("aws_vpc_endpoint", "s3"), "prefix_list_id")),
        "HTTPS to S3 through the gateway endpoint (SSM agent and AWS Tools updates)".into(),
    );
    if cx.env.egress != Egress::EndpointsOnly {
        rule(
            cx,
            Kind::SecurityGroupEgressRule,
            &c,
            &p,
            &sg,
            "file_server_to_internet",
            (443, 443),
            "tcp",
            Peer::Cidr("0.0.0.0/0".into()),
            "HTTPS to the internet through NAT (Windows Update)".into(),
        );
    }
    // No port-53 rules: security groups do not filter queries to the VPC
    // resolver (docs/manifest.md, "No DNS egress rules"); doc 000's DNS rules,
    // inline and standalone, are the conflict it describes.
    rule(
        cx,
        Kind::SecurityGroupIngressRule,
        &Concern::Endpoints,
        &p,
        endpoints_sg,
        "endpoints_from_file_server",
        (443, 443),
        "tcp",
        Peer::Sg(r(&sg, "id")),
        "HTTPS from the file server".into(),
    );

    // --- Credentials ----------------------------------------------------------
    // A customer-managed key (EF005): only IAM principals of the account use
    // it, and the instance role only through Secrets Manager.
    let account = cx.account().to_string();
    let key_policy = policy::document(vec![policy::with(
        policy::allow("AccountAdministers", &["kms:*"], vec![Value::from("*")]),
        "Principal",
        Value::map([("AWS", Value::from(format!("arn:aws:iam::{account}:root")))]),
    )]);
    let key = crate::security::key(cx, "file_server", "Windows file server SMB credentials", key_policy);
    let secret_name = secret_name(&cx.m.project.value, cx.env.env.as_str());
    let secret = cx
        .res(Kind::SecretsManagerSecret, "file_server_smb", c.clone(), p.clone())
        .with("name", secret_name.as_str())
        .with("description", format!("SMB credentials of the {name} share account"))
        .with("kms_key_id", r(&key, "arn"))
        .with("recovery_window_in_days", 7);
    let secret = cx.add(secret, Some(&secret_name));
    let version = cx
        .res(Kind::SecretsManagerSecretVersion, "file_server_smb", c.clone(), p.clone())
        .with("secret_id", r(&secret, "id"))
        .with(
            "secret_string",
            Value::json(Value::map([
                ("username", Value::from(fs.smb_user.as_str())),
                ("password", Value::Ref(Reference::variable(PASSWORD_VARIABLE))),
            ])),
        );
    cx.add(version, None);
    cx.model.suppressions.push(ecsforge_model::Suppression {
        rule: "EF045".into(),
        resource: secret.to_string(),
        reason: format!(
            "the SMB password is the operator's: it is set through the sensitive variable {PASSWORD_VARIABLE} and \
             changed by applying a new value (the boot script re-reads it at every start); a rotation Lambda would \
             also have to change the Windows account"
        ),
        provenance: p.clone(),
    });

    // --- IAM ------------------------------------------------------------------
    let role_name = aws_name(&[&prefix, "file-server"], 64);
    let role = cx
        .res(Kind::IamRole, "file_server", c.clone(), p.clone())
        .with("name", role_name.as_str())
        .with("assume_role_policy", policy::assume_role("ec2.amazonaws.com", cx.account()));
    let role = cx.add(role, Some(&role_name));
    let ssm_core = cx
        .res(Kind::IamRolePolicyAttachment, "file_server_ssm", c.clone(), p.clone())
        .with("role", r(&role, "name"))
        .with("policy_arn", "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
    cx.add(ssm_core, None);
    let read = cx
        .res(Kind::IamRolePolicy, "file_server_secret", c.clone(), p.clone())
        .with("name", "read-smb-credentials")
        .with("role", r(&role, "id"))
        .with(
            "policy",
            policy::document(vec![
                policy::allow("ReadSmbCredentials", &["secretsmanager:GetSecretValue"], vec![r(&secret, "arn")]),
                policy::with(
                    policy::allow("DecryptSmbCredentials", &["kms:Decrypt"], vec![r(&key, "arn")]),
                    "Condition",
                    Value::map([(
                        "StringEquals",
                        Value::map([(
                            "kms:ViaService",
                            Value::from(format!("secretsmanager.{}.amazonaws.com", cx.region())),
                        )]),
                    )]),
                ),
            ]),
        );
    cx.add(read, None);
    let profile = cx
        .res(Kind::IamInstanceProfile, "file_server", c.clone(), p.clone())
        .with("name", role_name.as_str())
        .with("role", r(&role, "name"));
    let profile = cx.add(profile, Some(&role_name));

    // --- Launch template and instance -----------------------------------------
    let mut tags = cx.m.tags.clone();
    tags.insert("Environment".into(), cx.env.env.to_string());
    tags.insert("ManagedBy".into(), "ecsforge".into());
    tags.insert("Project".into(), cx.m.project.value.clone());
    tags.insert("Name".into(), name.clone());
    let tag_spec = |kind: &str| Value::map([("resource_type", Value::from(kind)), ("tags", Value::from(tags.clone()))]);
    let script = boot_script(&fs, &secret_name, cx.region());
    let lt = cx
        .res(Kind::LaunchTemplate, "file_server", c.clone(), p.clone())
        .with("name", name.as_str())
        .with("description", "Windows Server 2022 SMB file server")
        .with("image_id", IMAGE_ID)
        .with("instance_type", fs.instance_type.as_str())
        .with("update_default_version", true)
        .with("iam_instance_profile", Value::block([("arn", r(&profile, "arn"))]))
        .with("vpc_security_group_ids", Value::list([r(&sg, "id")]))
        .with(
            "metadata_options",
            Value::block([
                ("http_endpoint", Value::from("enabled")),
                ("http_tokens", Value::from("required")),
                ("http_put_response_hop_limit", Value::from(1)),
            ]),
        )
        .with(
            "block_device_mappings",
            Value::block([
                ("device_name", Value::from(ROOT_DEVICE)),
                (
                    "ebs",
                    Value::block([
                        ("volume_type", Value::from("gp3")),
                        ("volume_size", Value::from(fs.volume_size_gb)),
                        ("encrypted", Value::from("true")),
                        ("delete_on_termination", Value::from("true")),
                    ]),
                ),
            ]),
        )
        .with("user_data", base64(script.as_bytes()))
        .with("tag_specifications", Value::list([tag_spec("instance"), tag_spec("volume")]));
    let lt = cx.add(lt, Some(&name));

    let zone = cx.m.network.availability_zones.iter().position(|az| *az == fs.availability_zone).unwrap_or(0);
    let instance = cx
        .res(Kind::Instance, "file_server", c.clone(), p.clone())
        .with("launch_template", Value::block([("id", r(&lt, "id")), ("version", r(&lt, "latest_version"))]))
        .with("subnet_id", r(&net.zones[zone].private_subnet, "id"))
        .with("disable_api_termination", cx.env.deletion_protection);
    let instance = cx.add(instance, Some(&name));

    // --- Outputs --------------------------------------------------------------
    cx.output("file_server_instance_id", r(&instance, "id"), "Windows file server instance (Session Manager target)");
    cx.output("file_server_private_ip", r(&instance, "private_ip"), "Windows file server private IP");
    cx.output(
        "file_server_share",
        Value::Template(vec![lit("\\\\"), ref_part(&instance, "private_ip"), lit(&format!("\\{}", fs.share_name))]),
        "UNC path of the SMB share",
    );
    cx.output(
        "file_server_credentials_secret_arn",
        r(&secret, "arn"),
        "Secrets Manager secret with the SMB credentials",
    );
    cx.output("file_server_security_group_id", r(&sg, "id"), "Security group of the Windows file server");
}

/// The sensitive password variable, with the Windows Server 2022 rules as
/// validations so a value given at plan/apply time is checked too.
fn password_variable(cx: &mut Cx, p: &Provenance) {
    let v = format!("var.{PASSWORD_VARIABLE}");
    // HCL string literals: `\\` is one backslash, `\"` one quote.
    let classes = r#"["[A-Z]", "[a-z]", "[0-9]", "[!@#$%^&*()_+\\-=\\[\\]{}|;:\",.<>?]"]"#;
    let variable = Variable {
        type_constraint: "string".into(),
        description:
            "Password of the Windows file server's SMB account. Give it as TF_VAR_file_server_admin_password; \
                      it is stored only in Secrets Manager."
                .into(),
        sensitive: true,
        validations: vec![
            VariableValidation {
                condition: format!("length({v}) >= 8"),
                error_message: "The file server password must be at least 8 characters long (Windows Server 2022)."
                    .into(),
            },
            VariableValidation {
                condition: format!("length([for re in {classes} : re if can(regex(re, {v}))]) >= 3"),
                error_message: "The file server password must contain characters from at least 3 of: uppercase \
                                letters, lowercase letters, digits, special characters (Windows Server 2022)."
                    .into(),
            },
        ],
        provenance: p.clone(),
    };
    cx.model.variables.insert(PASSWORD_VARIABLE.into(), variable);
}

#[allow(clippy::too_many_arguments)]
fn rule(
    cx: &mut Cx,
    kind: Kind,
    concern: &Concern,
    prov: &Provenance,
    sg: &Address,
    name: &str,
    port: (u16, u16),
    proto: &str,
    peer: Peer,
    description: String,
) {
    let mut res = cx
        .res(kind, name, concern.clone(), prov.clone())
        .with("security_group_id", r(sg, "id"))
        .with("ip_protocol", proto)
        .with("from_port", port.0)
        .with("to_port", port.1)
        .with("description", description);
    match peer {
        Peer::Sg(v) => res.set("referenced_security_group_id", v),
        Peer::Cidr(c) => res.set("cidr_ipv4", c),
        Peer::PrefixList(v) => res.set("prefix_list_id", v),
    }
    let tag = format!("{}-{}", cx.prefix, name.replace('_', "-"));
    cx.add(res, Some(&tag));
}

enum Peer {
    Sg(Value),
    Cidr(String),
    PrefixList(Value),
}

/// The PowerShell run at every boot (`<persist>true</persist>`): reads the
/// credentials from Secrets Manager, validates the password against the same
/// rules, creates or updates the local account, and shares the folder. No
/// password is part of the script. The share and user names were validated
/// to need no quoting.
fn boot_script(fs: &FileServer, secret_name: &str, region: &str) -> String {
    let user = &fs.smb_user;
    let share = &fs.share_name;
    format!(
        r#"<powershell>
$ErrorActionPreference = 'Stop'
New-Item -ItemType Directory -Force -Path 'C:\ProgramData\ecsforge' | Out-Null
Start-Transcript -Path 'C:\ProgramData\ecsforge\file-server-setup.log' -Append
try {{
  # SMB credentials from Secrets Manager (through the VPC endpoint).
  $secret = Get-SECSecretValue -SecretId '{secret_name}' -Region '{region}'
  $credentials = $secret.SecretString | ConvertFrom-Json
  $password = [string]$credentials.password
  # Windows Server 2022 complexity rules (doc 000); the password is never logged.
  $missed = @()
  if ($password.Length -lt 8) {{ $missed += 'at least 8 characters' }}
  $classes = 0
  if ($password -cmatch '[A-Z]') {{ $classes++ }}
  if ($password -cmatch '[a-z]') {{ $classes++ }}
  if ($password -match '[0-9]') {{ $classes++ }}
  if ($password -match '[!@#$%^&*()_+\-=\[\]{{}}|;:",.<>?]') {{ $classes++ }}
  if ($classes -lt 3) {{ $missed += 'characters from 3 of the 4 classes (upper, lower, digit, special)' }}
  if ($missed.Count -gt 0) {{ throw ('SMB password rejected; it needs ' + ($missed -join ' and ')) }}
  $secure = ConvertTo-SecureString -String $password -AsPlainText -Force
  Remove-Variable -Name password, credentials, secret
  $user = '{user}'
  if (Get-LocalUser -Name $user -ErrorAction SilentlyContinue) {{
    Set-LocalUser -Name $user -Password $secure -PasswordNeverExpires $true
  }} else {{
    New-LocalUser -Name $user -Password $secure -PasswordNeverExpires:$true -UserMayNotChangePassword:$true -AccountNeverExpires:$true -Description 'SMB share account (ecsforge)' | Out-Null
  }}
  Get-LocalUser -Name $user | Out-Null
  $path = 'C:\Shares\{share}'
  New-Item -ItemType Directory -Force -Path $path | Out-Null
  if (-not (Get-SmbShare -Name '{share}' -ErrorAction SilentlyContinue)) {{
    New-SmbShare -Name '{share}' -Path $path -FullAccess "$env:COMPUTERNAME\$user" -EncryptData $true | Out-Null
  }}
  icacls $path /grant "$($env:COMPUTERNAME)\$($user):(OI)(CI)M" | Out-Null
  Set-SmbServerConfiguration -EnableSMB1Protocol $false -RequireSecuritySignature $true -Confirm:$false
  Enable-NetFirewallRule -DisplayGroup 'File and Printer Sharing'
  Write-Output 'file server ready'
}} finally {{
  Stop-Transcript
}}
</powershell>
<persist>true</persist>
"#
    )
}
