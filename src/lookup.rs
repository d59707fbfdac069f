//! Finding what the user named in AWS, with errors that say what to check.

use crate::aws::{Aws, ErrorKind};
use crate::ecs::{arn_name, ServiceDescription};
use crate::error::Error;

/// DescribeServices; a cluster or service ECS does not know, or one deleted, is bad input
/// naming it.
pub async fn services(
    aws: &Aws,
    cluster: &str,
    names: &[String],
) -> Result<Vec<ServiceDescription>, Error> {
    let (services, failures) = aws
        .describe_services(cluster, names)
        .await
        .map_err(|e| match e.kind() {
            ErrorKind::NotFound => Error::input_with_hint(
                format!("cluster `{cluster}` not found in {}", aws.region()),
                "check --cluster and --region",
            ),
            _ => e.into(),
        })?;
    if let Some(failure) = failures.first() {
        let name = failure.arn.as_deref().map(arn_name).unwrap_or("?");
        return Err(Error::input_with_hint(
            format!(
                "service `{name}` not found in cluster `{cluster}` ({})",
                failure.reason.as_deref().unwrap_or("MISSING")
            ),
            "check --service, --cluster and --region",
        ));
    }
    if let Some(inactive) = services.iter().find(|s| s.status == "INACTIVE") {
        return Err(Error::input(format!(
            "service `{}` in cluster `{cluster}` is INACTIVE (deleted)",
            inactive.service_name
        )));
    }
    Ok(services)
}
