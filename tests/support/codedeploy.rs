//! CodeDeploy scenario builders: deployment groups and deployments as the botocore
//! `codedeploy` model names them, and a GetDeployment responder that scripts each deployment.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{json, Value};
use wiremock::{Request, Respond, ResponseTemplate};

use super::aws::{aws_error, ok};

/// Deployment group `group` of `application`, deploying `cluster`/`service`.
pub fn group_info(application: &str, group: &str, cluster: &str, service: &str) -> Value {
    json!({
        "applicationName": application, "deploymentGroupId": "dg-1", "deploymentGroupName": group,
        "deploymentConfigName": "CodeDeployDefault.ECSAllAtOnce", "computePlatform": "ECS",
        "serviceRoleArn": "arn:aws:iam::123456789012:role/codedeploy",
        "ecsServices": [{"serviceName": service, "clusterName": cluster}],
    })
}

/// Deployment `id` of web-app's group web-dg, in `status`.
pub fn deployment_info(id: &str, status: &str) -> Value {
    json!({
        "applicationName": "web-app", "deploymentGroupName": "web-dg", "deploymentId": id,
        "status": status, "computePlatform": "ECS", "createTime": 1_700_000_000.0,
        "deploymentConfigName": "CodeDeployDefault.ECSAllAtOnce",
    })
}

/// GetDeployment: for each deployment id, its answers in turn (the last one repeats).
pub struct Deployments(Mutex<HashMap<String, Vec<Value>>>);

impl Deployments {
    pub fn new(deployments: Vec<(&str, Vec<Value>)>) -> Self {
        let map = deployments
            .into_iter()
            .map(|(id, answers)| (id.to_string(), answers))
            .collect();
        Deployments(Mutex::new(map))
    }
}

impl Respond for Deployments {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let id = body["deploymentId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut answers = self.0.lock().unwrap();
        let Some(queue) = answers.get_mut(&id) else {
            return aws_error(400, "DeploymentDoesNotExistException", "no such deployment");
        };
        let info = if queue.len() > 1 {
            queue.remove(0)
        } else {
            queue[0].clone()
        };
        ok(json!({ "deploymentInfo": info }))
    }
}
