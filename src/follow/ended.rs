//! A deployment that had already ended when ecs-ship first looked (`wait` with nothing in
//! progress): its verdict is known, so the first poll gives it. Nothing to roll back.

use super::{CodeDeployFacts, Facts, Follower, Later, Look, Rollback, Scope, Verdict, Watch};
use crate::aws::DeploymentGroup;
use crate::ecs::{CodeDeployDeployment, ServiceDeployment, ServiceDescription};
use crate::poll::Step;

pub struct Ended {
    /// The id people know it by: an ECS deployment id, a service deployment or a CodeDeploy id.
    id: String,
    verdict: Verdict,
    service_deployment: Option<ServiceDeployment>,
    codedeploy: Option<(DeploymentGroup, CodeDeployDeployment)>,
}

impl Ended {
    pub fn new(id: String, verdict: Verdict) -> Self {
        Ended {
            id,
            verdict,
            service_deployment: None,
            codedeploy: None,
        }
    }

    /// It ended as this service deployment shows.
    pub fn of_service_deployment(deployment: ServiceDeployment, verdict: Verdict) -> Self {
        Ended {
            service_deployment: Some(deployment),
            ..Ended::new(String::new(), verdict)
        }
    }

    /// It ended as this CodeDeploy deployment of `group` shows.
    pub fn of_codedeploy(
        group: DeploymentGroup,
        deployment: CodeDeployDeployment,
        verdict: Verdict,
    ) -> Self {
        Ended {
            codedeploy: Some((group, deployment.clone())),
            ..Ended::new(deployment.id, verdict)
        }
    }
}

impl Follower for Ended {
    fn step<'a>(&'a mut self, _: &'a Scope<'a>, _: Look<'a>) -> Later<'a, Step<Verdict>> {
        let verdict = self.verdict.clone();
        Box::pin(async move { Ok(Step::Done(verdict)) })
    }

    fn roll_back<'a>(&'a self, _: Rollback<'a>) -> Later<'a, Option<Watch>> {
        Box::pin(async { Ok(None) })
    }

    fn followed(&self) -> &str {
        match &self.service_deployment {
            Some(deployment) => crate::ecs::arn_name(&deployment.arn),
            None => &self.id,
        }
    }

    fn state(&self, _service: &ServiceDescription) -> String {
        String::new()
    }

    fn facts(&self) -> Facts<'_> {
        Facts {
            service_deployment_arn: self.service_deployment.as_ref().map(|d| d.arn.as_str()),
            service_deployment: self.service_deployment.as_ref(),
            codedeploy: self
                .codedeploy
                .as_ref()
                .map(|(group, last)| CodeDeployFacts {
                    group,
                    deployment_id: &last.id,
                    last: Some(last),
                }),
            continue_command: None,
            endpoints: &[],
            daemon: None,
        }
    }
}
