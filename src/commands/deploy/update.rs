//! UpdateService for many services at once, and the request deploy sends for each.

use std::sync::Arc;

use crate::aws::{Aws, ServiceUpdate};
use crate::cli::DeployArgs;
use crate::ecs::ServiceDescription;
use crate::error::{Error, Result};
use crate::follow;

/// How many UpdateService calls run at once.
const UPDATE_CONCURRENCY: usize = 10;

/// UpdateService for every request, up to UPDATE_CONCURRENCY at once, in request order.
pub async fn update_all(
    aws: &Aws,
    updates: Vec<ServiceUpdate>,
) -> Result<Vec<(ServiceDescription, String)>> {
    let limit = Arc::new(tokio::sync::Semaphore::new(UPDATE_CONCURRENCY));
    let mut set = tokio::task::JoinSet::new();
    for (index, update) in updates.into_iter().enumerate() {
        let (aws, limit) = (aws.clone(), limit.clone());
        set.spawn(async move {
            let _permit = limit.acquire_owned().await.expect("semaphore open");
            (index, follow::update_service(&aws, &update).await)
        });
    }
    let mut results: Vec<Option<(ServiceDescription, String)>> = vec![];
    let mut first_error = None;
    while let Some(joined) = set.join_next().await {
        let (index, result) =
            joined.map_err(|e| Error::Other(format!("UpdateService task failed: {e}")))?;
        if results.len() <= index {
            results.resize_with(index + 1, || None);
        }
        match result {
            Ok(updated) => results[index] = Some(updated),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    if let Some(error) = first_error {
        return Err(error);
    }
    Ok(results
        .into_iter()
        .map(|r| r.expect("every update answered"))
        .collect())
}

pub fn update_request(
    args: &DeployArgs,
    cluster: &str,
    service: &ServiceDescription,
    arn: &str,
) -> ServiceUpdate {
    ServiceUpdate {
        cluster: cluster.to_string(),
        service: service.service_name.clone(),
        task_definition: arn.to_string(),
        desired_count: args.desired_count.map(|n| n.try_into().unwrap_or(i32::MAX)),
        force_new_deployment: args.force_new_deployment,
    }
}
