//! One service being followed: what has been printed of it, its last description, its
//! follower and, once there is one, its verdict.

use std::collections::HashSet;

use super::{Follower, Verdict};
use crate::ecs::{Deployment, ServiceDescription};
use crate::judge::rollout;
use crate::render::progress::Progress;

pub struct Watch {
    pub name: String,
    pub arn: String,
    /// The ECS deployment (DescribeServices `deployments[]`) or CodeDeploy deployment started,
    /// when there is one to name.
    pub deployment_id: Option<String>,
    /// The revision this deployment rolls to.
    pub task_definition: String,
    pub seen_events: HashSet<String>,
    pub lines: Vec<String>,
    pub verdict: Option<Verdict>,
    pub last: ServiceDescription,
    pub follower: Box<dyn Follower>,
}

impl Watch {
    /// `follower` follows the deployment of `service` (as described before it started) that
    /// rolls to `task_definition`; events already there are not printed again.
    pub fn new(
        service: &ServiceDescription,
        deployment_id: Option<String>,
        task_definition: String,
        follower: Box<dyn Follower>,
    ) -> Self {
        Watch {
            name: service.service_name.clone(),
            arn: service.service_arn.clone(),
            deployment_id,
            task_definition,
            seen_events: service.events.iter().map(|e| e.id.clone()).collect(),
            lines: vec![],
            verdict: None,
            last: service.clone(),
            follower,
        }
    }

    /// `follower` follows the deployment of daemon `name` (`arn`) that rolls to the daemon task
    /// definition `task_definition`. A daemon has no service: `last` stays an empty description
    /// named after it (the waiter never describes it, see `Follower::reads_service`).
    pub fn daemon(
        name: &str,
        arn: &str,
        deployment_arn: String,
        task_definition: String,
        follower: Box<dyn Follower>,
    ) -> Self {
        let placeholder = ServiceDescription {
            service_name: name.to_string(),
            service_arn: arn.to_string(),
            ..ServiceDescription::default()
        };
        Watch::new(
            &placeholder,
            Some(deployment_arn),
            task_definition,
            follower,
        )
    }

    /// The watch of what comes after this one (its rollback): same service, events seen kept.
    pub fn successor(
        &self,
        deployment_id: Option<String>,
        task_definition: String,
        follower: Box<dyn Follower>,
    ) -> Watch {
        let mut next = Watch::new(&self.last, deployment_id, task_definition, follower);
        next.seen_events = self.seen_events.clone();
        next
    }

    pub(super) fn key(&self) -> String {
        if self.arn.is_empty() {
            self.name.clone()
        } else {
            self.arn.clone()
        }
    }

    pub(super) fn matches(&self, service: &ServiceDescription) -> bool {
        (!self.arn.is_empty() && service.service_arn == self.arn)
            || (self.arn.is_empty() && service.service_name == self.name)
    }

    /// The ECS deployment started, as last described.
    pub fn deployment(&self) -> Option<&Deployment> {
        let id = self.deployment_id.as_deref()?;
        self.last.deployments.iter().find(|d| d.id == id)
    }

    /// Prints new service events (oldest first) and deployment lines that changed.
    pub(super) fn observe(
        &mut self,
        service: &ServiceDescription,
        progress: &Progress,
        events: &mut Vec<String>,
    ) {
        for event in service.events.iter().rev() {
            if self.seen_events.insert(event.id.clone()) {
                progress.say(format_args!("{}", event.message));
                events.push(event.message.clone());
            }
        }
        let lines = rollout::deployment_lines(service);
        if lines != self.lines {
            for line in &lines {
                progress.say(format_args!("{}: {line}", service.service_name));
            }
            self.lines = lines;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::ServiceEvent;
    use crate::follow::Rolling;

    fn service() -> ServiceDescription {
        ServiceDescription {
            service_name: "web".into(),
            deployments: vec![Deployment {
                id: "ecs-svc/1".into(),
                ..Deployment::default()
            }],
            events: vec![ServiceEvent {
                id: "e1".into(),
                ..ServiceEvent::default()
            }],
            ..ServiceDescription::default()
        }
    }

    fn rolling(id: &str) -> Box<dyn Follower> {
        Box::new(Rolling::new(id.into(), None))
    }

    #[test]
    fn the_deployment_is_found_by_its_id_and_there_is_none_without_one() {
        let watch = Watch::new(
            &service(),
            Some("ecs-svc/1".into()),
            "td:2".into(),
            rolling("ecs-svc/1"),
        );
        assert_eq!(watch.deployment().map(|d| d.id.as_str()), Some("ecs-svc/1"));
        let native = Watch::new(&service(), None, "td:2".into(), rolling("ecs-svc/1"));
        assert!(native.deployment().is_none());
    }

    #[test]
    fn a_rollback_watch_keeps_the_events_already_printed() {
        let mut failed = Watch::new(
            &service(),
            Some("ecs-svc/1".into()),
            "td:2".into(),
            rolling("ecs-svc/1"),
        );
        failed.seen_events.insert("e2".into());
        let next = failed.successor(
            Some("ecs-svc/2".into()),
            "td:1".into(),
            rolling("ecs-svc/2"),
        );
        assert_eq!(next.seen_events, failed.seen_events);
        assert_eq!(next.task_definition, "td:1");
        assert_eq!(next.follower.followed(), "ecs-svc/2");
        assert!(next.verdict.is_none());
    }
}
