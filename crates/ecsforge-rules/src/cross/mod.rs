//! Rules that compare environments (`ecsforge check --all-envs`): doc 003
//! properties 46, 47, 49 and 50 can only be judged across several roots.

use ecsforge_model::InfraModel;

use crate::{Finding, Findings, RuleMeta, Suppress, apply_suppressions, sort};

/// A rule over every environment at once.
pub struct CrossRule {
    pub meta: &'static RuleMeta,
    pub source: &'static str,
    pub check: fn(&[&InfraModel], &mut Findings),
}

macro_rules! cross_registry {
    ($($module:ident),* $(,)?) => {
        $(mod $module;)*
        /// Every cross-environment rule, in code order.
        pub static CROSS_REGISTRY: &[CrossRule] = &[
            $(CrossRule { meta: &$module::META, source: include_str!(concat!(stringify!($module), ".rs")), check: $module::check },)*
        ];
    };
}

cross_registry! {
    ef046_env_specific_config,
    ef047_cluster_per_env,
    ef049_prod_vpc_isolation,
    ef050_prod_iam_stricter,
}

/// Runs the cross-environment rules over the models of several environments.
pub fn check_environments(models: &[&InfraModel], extra: &[Suppress]) -> Vec<Finding> {
    let mut all = Vec::new();
    for r in CROSS_REGISTRY {
        let mut f = Findings::new(r.meta);
        (r.check)(models, &mut f);
        all.extend(f.into_vec());
    }
    apply_suppressions(&mut all, models, extra);
    sort(&mut all);
    all
}

/// The environment name of a model (field or Environment tag).
pub(crate) fn env_of(m: &InfraModel) -> String {
    crate::view::environment(m).unwrap_or_default()
}

#[allow(unused_imports)]
mod prelude {
    pub(crate) use super::env_of;
    pub use crate::view::*;
    pub use crate::{Findings, RuleMeta, Severity};
    pub use ecsforge_model::{Address, InfraModel, Kind, Resource, Value};
}
