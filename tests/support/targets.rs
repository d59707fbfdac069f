//! Scheduled-task scenario builders: EventBridge rule targets and EventBridge Scheduler
//! schedules with every field their APIs carry (botocore `events` and `scheduler` names), and a
//! paged ListTargetsByRule responder.

use serde_json::{json, Value};
use wiremock::{Request, Respond, ResponseTemplate};

use super::aws::ok;
use super::ecs::{ACCOUNT, CLUSTER_ARN};

const EVENTS_ROLE: &str = "arn:aws:iam::123456789012:role/ecsEventsRole";

/// An ECS rule target with every field a real one can carry, one EventBridge added after this
/// SDK version included.
pub fn ecs_target(id: &str, task_definition: &str) -> Value {
    json!({
        "Id": id,
        "Arn": CLUSTER_ARN,
        "RoleArn": EVENTS_ROLE,
        "Input": "{\"containerOverrides\":[{\"name\":\"app\",\"command\":[\"bin/rails\",\"reports:nightly\"]}]}",
        "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600},
        "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:123456789012:cron-dlq"},
        "EcsParameters": {
            "TaskDefinitionArn": task_definition,
            "TaskCount": 1,
            "LaunchType": "FARGATE",
            "NetworkConfiguration": {"awsvpcConfiguration": {"Subnets": ["subnet-1"], "SecurityGroups": ["sg-1"], "AssignPublicIp": "DISABLED"}},
            "PlatformVersion": "1.4.0",
            "Group": "cron",
            "EnableECSManagedTags": true,
            "EnableExecuteCommand": false,
            "PlacementConstraints": [],
            "PlacementStrategy": [],
            "PropagateTags": "TASK_DEFINITION",
            "ReferenceId": "nightly",
            "Tags": [{"Key": "team", "Value": "payments"}],
            "SomethingEventBridgeAddsNextYear": {"nested": [1, "two"]}
        },
    })
}

pub fn lambda_target(id: &str) -> Value {
    json!({"Id": id, "Arn": "arn:aws:lambda:us-east-1:123456789012:function:notify", "Input": "{}"})
}

/// ListTargetsByRule answering `pages` in turn, each with a NextToken to the next.
pub struct Pages(pub Vec<Vec<Value>>);

impl Respond for Pages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let page: usize = body["NextToken"]
            .as_str()
            .and_then(|t| t.strip_prefix("page-"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let mut answer = json!({ "Targets": self.0[page] });
        if page + 1 < self.0.len() {
            answer["NextToken"] = json!(format!("page-{}", page + 1));
        }
        ok(answer)
    }
}

pub fn put_targets_ok() -> ResponseTemplate {
    ok(json!({ "FailedEntryCount": 0, "FailedEntries": [] }))
}

/// A schedule in group `batch` with every field UpdateSchedule takes set.
pub fn full_schedule(name: &str, state: &str, task_definition: &str) -> Value {
    json!({
        "Arn": format!("arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule/batch/{name}"),
        "Name": name,
        "GroupName": "batch",
        "State": state,
        "Description": "nightly sales report",
        "ScheduleExpression": "cron(0 3 * * ? *)",
        "ScheduleExpressionTimezone": "Asia/Tokyo",
        "StartDate": 1767225600,
        "EndDate": 1798761600,
        "KmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "ActionAfterCompletion": "NONE",
        "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
        "CreationDate": 1700000000.5,
        "LastModificationDate": 1700000100.25,
        "Target": {
            "Arn": CLUSTER_ARN,
            "RoleArn": "arn:aws:iam::123456789012:role/scheduler-ecs",
            "Input": "{\"containerOverrides\":[]}",
            "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
            "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:123456789012:scheduler-dlq"},
            "EcsParameters": {
                "TaskDefinitionArn": task_definition,
                "TaskCount": 1,
                "LaunchType": "FARGATE",
                "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": ["subnet-1"], "SecurityGroups": ["sg-1"], "AssignPublicIp": "DISABLED"}},
                "PlatformVersion": "LATEST",
                "EnableECSManagedTags": true,
                "EnableExecuteCommand": false,
                "PropagateTags": "TASK_DEFINITION",
                "Tags": [{"team": "payments"}]
            }
        },
        "SomeFieldSchedulerAddsLater": {"kept": true}
    })
}

/// `target` as read, with only its task definition changed.
pub fn moved(mut target: Value, task_definition: &str) -> Value {
    target["EcsParameters"]["TaskDefinitionArn"] = json!(task_definition);
    target
}
