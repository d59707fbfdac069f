//! What `status` reads besides DescribeServices, each in as few calls as the APIs allow.

use std::collections::HashMap;

use crate::aws::{service_resource_id, Aws, ErrorKind, ScalableTarget};
use crate::ecs::{CodeDeployDeployment, ServiceDeployment, ServiceDescription};
use crate::error::{Error, Result};
use crate::output::ContainerImage;
use crate::task_definition::TaskDefinition;

use super::in_progress::{codedeploy_deployment_id, service_deployment_to_describe};

/// At most this many DescribeTaskDefinition calls at once (50 services on 50 revisions).
const CONCURRENCY: usize = 8;

/// What was found about the services, beside their descriptions.
pub struct Found {
    /// The containers and images of each revision in use, by ARN.
    pub images: HashMap<String, Vec<ContainerImage>>,
    pub service_deployments: Vec<ServiceDeployment>,
    pub codedeploy: Vec<CodeDeployDeployment>,
    pub scaling: Scaling,
}

/// The scalable targets of the services, or why they could not be read.
pub enum Scaling {
    Targets(Vec<ScalableTarget>),
    Unreadable(String),
}

impl Found {
    pub async fn read(aws: &Aws, cluster: &str, services: &[ServiceDescription]) -> Result<Self> {
        let images = images(aws, services).await?;
        let arns: Vec<String> = services
            .iter()
            .filter_map(service_deployment_to_describe)
            .map(str::to_string)
            .collect();
        let service_deployments = match arns.is_empty() {
            true => vec![],
            false => aws.describe_service_deployments(&arns).await?.0,
        };
        let mut codedeploy = vec![];
        for id in services.iter().filter_map(codedeploy_deployment_id) {
            codedeploy.push(aws.codedeploy_deployment(id).await?);
        }
        Ok(Found {
            images,
            service_deployments,
            codedeploy,
            scaling: scaling(aws, cluster, services).await?,
        })
    }
}

/// DescribeTaskDefinition once per distinct revision, a few at a time.
async fn images(
    aws: &Aws,
    services: &[ServiceDescription],
) -> Result<HashMap<String, Vec<ContainerImage>>> {
    let mut revisions: Vec<String> = services.iter().map(|s| s.task_definition.clone()).collect();
    revisions.sort();
    revisions.dedup();
    revisions.retain(|r| !r.is_empty());
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut set = tokio::task::JoinSet::new();
    for revision in revisions {
        let (aws, limit) = (aws.clone(), limit.clone());
        set.spawn(async move {
            let _permit = limit.acquire_owned().await.expect("semaphore open");
            let answer = aws.describe_task_definition(&revision).await;
            (revision, answer)
        });
    }
    let mut images = HashMap::new();
    while let Some(joined) = set.join_next().await {
        let (revision, answer) = joined.map_err(|e| Error::Other(e.to_string()))?;
        let definition = TaskDefinition::from_response(answer?)?;
        let containers = definition
            .containers()
            .map(|c| ContainerImage {
                container: text(c.get("name")),
                image: text(c.get("image")),
            })
            .collect();
        images.insert(revision, containers);
    }
    Ok(images)
}

fn text(value: Option<&serde_json::Value>) -> String {
    value
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// DescribeScalableTargets for every service at once; a role that may not read them gets
/// "unknown", not a failed status.
async fn scaling(aws: &Aws, cluster: &str, services: &[ServiceDescription]) -> Result<Scaling> {
    if services.is_empty() {
        return Ok(Scaling::Targets(vec![]));
    }
    let ids: Vec<String> = services
        .iter()
        .map(|s| service_resource_id(cluster, &s.service_name))
        .collect();
    match aws.scalable_targets(&ids).await {
        Ok(targets) => Ok(Scaling::Targets(targets)),
        Err(e) if e.kind() == ErrorKind::AccessDenied => {
            Ok(Scaling::Unreadable("access denied".into()))
        }
        Err(e) => Err(e.into()),
    }
}
