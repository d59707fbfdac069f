//! How a service deploys — from its `deploymentController` and
//! `deploymentConfiguration.strategy` — and so which follower follows it (the one place
//! that maps these AWS values; a new deployment kind adds its arm here).

use crate::ecs::{DeploymentController, ServiceDescription, Strategy};
use crate::error::{Error, Result};

/// How a service deploys, from its `deploymentController` and `deploymentConfiguration.strategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// ROLLING: DescribeServices `deployments[]`.
    Rolling,
    /// BLUE_GREEN, LINEAR, CANARY: the service deployments API.
    Native,
    CodeDeploy,
    External,
    /// `resourceManagementType: ECS`: changed through UpdateExpressGatewayService, its service
    /// deployment followed as an ECS-native one.
    Express,
}

impl Way {
    pub fn of(service: &ServiceDescription) -> Way {
        if service.express {
            return Way::Express;
        }
        match &service.deployment_controller {
            Some(DeploymentController::CodeDeploy) => Way::CodeDeploy,
            Some(DeploymentController::External) => Way::External,
            _ => match &service.strategy {
                Some(Strategy::BlueGreen | Strategy::Linear | Strategy::Canary) => Way::Native,
                _ => Way::Rolling,
            },
        }
    }

    pub fn describe(service: &ServiceDescription) -> String {
        let strategy = service.strategy_name();
        match Way::of(service) {
            Way::Rolling => format!("{strategy} (followed through DescribeServices deployments)"),
            Way::Native => {
                format!("{strategy}, ECS-native (followed through the service deployments API)")
            }
            Way::CodeDeploy => "CODE_DEPLOY controller (a CodeDeploy deployment)".into(),
            Way::External => "EXTERNAL controller".into(),
            Way::Express => format!(
                "Express service, {strategy} (changed through UpdateExpressGatewayService, followed through the service deployments API)"
            ),
        }
    }
}

/// A service whose deployments ecs-ship cannot drive: before anything is registered.
pub fn check_controllers(services: &[ServiceDescription]) -> Result<()> {
    for service in services {
        match Way::of(service) {
            Way::External => {
                return Err(Error::input_with_hint(
                    format!(
                        "service `{}` uses the EXTERNAL deployment controller: its deployments are task sets driven by another tool, which ecs-ship does not drive; nothing was registered or changed",
                        service.service_name
                    ),
                    "deploy it with the tool that owns its task sets",
                ))
            }
            Way::Rolling | Way::Native | Way::CodeDeploy | Way::Express => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(controller: Option<&str>, strategy: Option<&str>) -> ServiceDescription {
        ServiceDescription {
            deployment_controller: controller.map(Into::into),
            strategy: strategy.map(Into::into),
            ..ServiceDescription::default()
        }
    }

    #[test]
    fn the_follower_comes_from_controller_and_strategy() {
        assert_eq!(Way::of(&service(None, None)), Way::Rolling);
        assert_eq!(
            Way::of(&service(Some("ECS"), Some("ROLLING"))),
            Way::Rolling
        );
        for strategy in ["BLUE_GREEN", "LINEAR", "CANARY"] {
            assert_eq!(
                Way::of(&service(Some("ECS"), Some(strategy))),
                Way::Native,
                "{strategy}"
            );
        }
        assert_eq!(
            Way::of(&service(Some("CODE_DEPLOY"), None)),
            Way::CodeDeploy
        );
        assert_eq!(Way::of(&service(Some("EXTERNAL"), None)), Way::External);
        let express = ServiceDescription {
            express: true,
            ..service(Some("ECS"), Some("CANARY"))
        };
        assert_eq!(Way::of(&express), Way::Express);
        assert!(Way::describe(&express).starts_with("Express service, CANARY"));
    }

    #[test]
    fn an_external_service_is_refused_before_anything_is_registered() {
        let error = check_controllers(&[service(Some("EXTERNAL"), None)])
            .unwrap_err()
            .to_string();
        assert!(error.contains("EXTERNAL"), "{error}");
        assert!(check_controllers(&[service(Some("CODE_DEPLOY"), None)]).is_ok());
    }
}
