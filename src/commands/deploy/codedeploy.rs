//! Deploying a service on the CODE_DEPLOY controller: UpdateService refuses a new task
//! definition, so the revision goes out as a CodeDeploy deployment (`follow::appspec`), with
//! the `--codedeploy-hook` Lambda functions; `follow::CodeDeploy` follows it.

use crate::aws::{Aws, DeploymentGroup, ErrorKind, NewDeployment};
use crate::cli::{DeployArgs, WaitUntil};
use crate::context::Context;
use crate::ecs::{arn_name, ServiceDescription};
use crate::error::{Error, Result};
use crate::follow::{self, appspec, CodeDeploy, Goal, Watch};

const HOOK_STAGES: [&str; 5] = [
    "BeforeInstall",
    "AfterInstall",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
];

/// `--codedeploy-hook STAGE=FUNCTION`, checked before anything touches AWS.
pub fn parse_hooks(specs: &[String]) -> Result<Vec<(String, String)>> {
    let mut hooks = vec![];
    for spec in specs.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let Some((stage, function)) = spec.split_once('=').filter(|(_, f)| !f.is_empty()) else {
            return Err(Error::input_with_hint(
                format!("--codedeploy-hook `{spec}` is not STAGE=FUNCTION"),
                format!("stages: {}", HOOK_STAGES.join(", ")),
            ));
        };
        if !HOOK_STAGES.contains(&stage) {
            return Err(Error::input_with_hint(
                format!("--codedeploy-hook `{spec}`: `{stage}` is not an ECS AppSpec hook"),
                format!("stages: {}", HOOK_STAGES.join(", ")),
            ));
        }
        hooks.push((stage.to_string(), function.to_string()));
    }
    Ok(hooks)
}

/// CreateDeployment of `arn` for a CODE_DEPLOY service, and the watch that follows it.
#[allow(clippy::too_many_arguments)]
pub async fn start(
    context: &Context,
    aws: &Aws,
    args: &DeployArgs,
    cluster: &str,
    service: &ServiceDescription,
    group: &DeploymentGroup,
    arn: &str,
    hooks: &[(String, String)],
) -> Result<Watch> {
    if args.desired_count.is_some() || args.force_new_deployment {
        context.progress.warn(format_args!(
            "{}: --desired-count and --force-new-deployment do not apply to a CodeDeploy deployment; ignored",
            service.service_name
        ));
    }
    let request = NewDeployment {
        application: group.application.clone(),
        group: group.name.clone(),
        config: args.codedeploy_config.clone(),
        appspec: appspec(service, arn, hooks).to_string(),
        auto_rollback: args.rollback_on_failure,
    };
    let id = aws
        .create_deployment(&request)
        .await
        .map_err(|e| match e.kind() {
            ErrorKind::NotFound | ErrorKind::Refused => Error::input(format!(
                "CodeDeploy refused the deployment of `{}` to {}: {}: {}",
                service.service_name,
                arn_name(arn),
                e.code,
                e.message
            )),
            _ => e.into(),
        })?;
    context.progress.say(format_args!(
        "{}: started CodeDeploy deployment {id} of {} (https://{region}.console.aws.amazon.com/codesuite/codedeploy/deployments/{id}?region={region})",
        service.service_name,
        arn_name(arn),
        region = aws.region()
    ));
    let follower = CodeDeploy::new(
        group.clone(),
        id.clone(),
        cluster,
        &service.service_name,
        Goal::Forward {
            traffic_shifted: args.follow.wait_until == WaitUntil::TrafficShifted,
        },
        args.follow.on_pause,
        follow::continue_command(context, cluster, &service.service_name),
    );
    Ok(Watch::new(
        service,
        Some(id),
        arn.to_string(),
        Box::new(follower),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hooks_are_stage_equals_function() {
        let hooks = parse_hooks(&["AfterAllowTestTraffic=smoke".into()]).unwrap();
        assert_eq!(hooks, [("AfterAllowTestTraffic".into(), "smoke".into())]);
        for bad in ["smoke", "Install=smoke", "BeforeInstall="] {
            assert!(parse_hooks(&[bad.into()]).is_err(), "{bad}");
        }
    }
}
