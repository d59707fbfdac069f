//! Following an Express service's rollout. UpdateExpressGatewayService starts a service
//! deployment (canary, with alarm-based rollback), so the ECS-native follower does the
//! following and the rolling back; this one adds what results show of an Express service: its
//! endpoints.

use super::{
    started_by_update, Facts, Follower, Later, Look, Native, Rollback, Scope, Verdict, Watch,
};
use crate::aws::Aws;
use crate::ecs::{Endpoint, ServiceDescription};
use crate::error::{Error, Result};
use crate::lookup;
use crate::poll::Step;

pub struct Express {
    native: Native,
    endpoints: Vec<Endpoint>,
}

impl Express {
    pub fn new(native: Native, endpoints: Vec<Endpoint>) -> Self {
        Express { native, endpoints }
    }
}

impl Follower for Express {
    fn step<'a>(&'a mut self, scope: &'a Scope<'a>, look: Look<'a>) -> Later<'a, Step<Verdict>> {
        self.native.step(scope, look)
    }

    fn roll_back<'a>(&'a self, rollback: Rollback<'a>) -> Later<'a, Option<Watch>> {
        self.native.roll_back(rollback)
    }

    fn followed(&self) -> &str {
        self.native.followed()
    }

    fn state(&self, service: &ServiceDescription) -> String {
        self.native.state(service)
    }

    fn facts(&self) -> Facts<'_> {
        Facts {
            endpoints: &self.endpoints,
            ..self.native.facts()
        }
    }

    fn service_deployment_to_describe(&self) -> Option<&str> {
        self.native.service_deployment_to_describe()
    }
}

/// After an UpdateExpressGatewayService requested at `requested_at`: the service as it is now,
/// and the service deployment the update started.
pub async fn started(
    aws: &Aws,
    cluster: &str,
    before: &ServiceDescription,
    requested_at: f64,
) -> Result<(ServiceDescription, String)> {
    let after = lookup::services(aws, cluster, std::slice::from_ref(&before.service_arn)).await?;
    let after = after.into_iter().next().unwrap_or_else(|| before.clone());
    match started_by_update(aws, cluster, before, &after, requested_at).await? {
        Some(deployment) => Ok((after, deployment)),
        None => Err(Error::Other(format!(
            "Express service {} was updated, but no service deployment of it was found to follow",
            before.service_name
        ))),
    }
}
