//! Finding what the user named in AWS, with errors that say what to check.

use crate::aws::{Aws, AwsError, ErrorKind};
use crate::context::Context;
use crate::ecs::{arn_name, ServiceDescription, ServiceStatus};
use crate::error::Error;

/// `--service` names, each once; at least one.
pub fn service_names(context: &Context, command: &str) -> Result<Vec<String>, Error> {
    let names = named_services(context);
    if names.is_empty() {
        return Err(Error::Usage(format!(
            "{command} needs --service NAME (repeatable), ECS_SHIP_SERVICE or `service = \"…\"` in ecs-ship.toml"
        )));
    }
    Ok(names)
}

/// `--service` names, each once.
pub fn named_services(context: &Context) -> Vec<String> {
    let mut names: Vec<String> = vec![];
    for name in context
        .global
        .services
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

/// Every service of the cluster (every page of ListServices), by name.
pub async fn every_service(aws: &Aws, cluster: &str) -> Result<Vec<String>, Error> {
    let arns = aws
        .list_services(cluster)
        .await
        .map_err(on_cluster(aws, cluster))?;
    Ok(arns.iter().map(|arn| arn_name(arn).to_string()).collect())
}

/// An error of a call about `cluster`: a cluster ECS does not know is bad input naming it.
fn on_cluster<'a>(aws: &'a Aws, cluster: &'a str) -> impl Fn(AwsError) -> Error + 'a {
    move |e| match e.kind() {
        ErrorKind::NotFound => Error::input_with_hint(
            format!("cluster `{cluster}` not found in {}", aws.region()),
            "check --cluster and --region",
        ),
        _ => e.into(),
    }
}

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
        .map_err(on_cluster(aws, cluster))?;
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
    if let Some(inactive) = services
        .iter()
        .find(|s| s.status == ServiceStatus::Inactive)
    {
        return Err(Error::input(format!(
            "service `{}` in cluster `{cluster}` is INACTIVE (deleted)",
            inactive.service_name
        )));
    }
    Ok(services)
}
