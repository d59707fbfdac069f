//! Roles: the execution and task roles exist, and their trust policy lets ECS tasks assume them.

use serde_json::Value;

use super::answers::{unanswered, Answer, Answers, Needs};
use super::check::{Check, Kind};
use super::Subject;

const ECS_TASKS: &str = "ecs-tasks.amazonaws.com";

/// (which role, its ARN or name) of the revision.
fn wanted(subject: &Subject<'_>) -> Vec<(&'static str, String)> {
    [("execution", "executionRoleArn"), ("task", "taskRoleArn")]
        .into_iter()
        .filter_map(|(which, field)| {
            let arn = subject.revision.json.get(field)?.as_str()?;
            (!arn.is_empty()).then(|| (which, arn.to_string()))
        })
        .collect()
}

/// GetRole takes the name: the part of `arn:aws:iam::ACCOUNT:role/PATH/NAME` after the path.
pub fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

pub fn needs(subject: &Subject<'_>, needs: &mut Needs) {
    for (_, arn) in wanted(subject) {
        needs.roles.insert(role_name(&arn).to_string());
    }
}

pub fn checks(subject: &Subject<'_>, answers: &Answers) -> Vec<Check> {
    wanted(subject)
        .into_iter()
        .map(|(which, arn)| {
            let what = format!("{which} {arn}");
            match answers.roles.get(role_name(&arn)) {
                Some(Answer::Found(role)) if trusts_ecs_tasks(&role.trust_policy) => {
                    Check::passed(Kind::Role, what, format!("exists and trusts {ECS_TASKS}"))
                }
                Some(Answer::Found(_)) => Check::failed(
                    Kind::Role,
                    what,
                    format!("its trust policy does not let {ECS_TASKS} assume it"),
                    format!(
                        "add {{\"Effect\":\"Allow\",\"Principal\":{{\"Service\":\"{ECS_TASKS}\"}},\"Action\":\"sts:AssumeRole\"}} to the role's trust policy"
                    ),
                ),
                Some(Answer::Missing) => Check::failed(
                    Kind::Role,
                    what,
                    "does not exist",
                    format!("create the role or fix the task definition's {which} role"),
                ),
                other => unanswered(Kind::Role, what, other),
            }
        })
        .collect()
}

/// Whether a trust policy lets `ecs-tasks.amazonaws.com` call sts:AssumeRole: an Allow
/// statement names it (or `*`) as principal and allows the action, and no Deny takes it back.
/// Conditions are not evaluated.
pub fn trusts_ecs_tasks(policy: &str) -> bool {
    let Ok(policy) = serde_json::from_str::<Value>(policy) else {
        return false;
    };
    let statements: Vec<&Value> = match policy.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => return false,
    };
    let applies = |statement: &Value| {
        names_ecs_tasks(statement.get("Principal")) && allows_assume_role(statement.get("Action"))
    };
    let effect = |statement: &Value, effect: &str| {
        statement.get("Effect").and_then(Value::as_str) == Some(effect)
    };
    statements.iter().any(|s| effect(s, "Allow") && applies(s))
        && !statements.iter().any(|s| effect(s, "Deny") && applies(s))
}

/// `"*"`, or `{"Service": "ecs-tasks.amazonaws.com"}` (a string or a list).
fn names_ecs_tasks(principal: Option<&Value>) -> bool {
    match principal {
        Some(Value::String(any)) => any == "*",
        Some(Value::Object(principal)) => {
            one_or_many(principal.get("Service")).contains(&ECS_TASKS)
        }
        _ => false,
    }
}

fn allows_assume_role(action: Option<&Value>) -> bool {
    one_or_many(action)
        .iter()
        .any(|action| ["sts:AssumeRole", "sts:*", "*"].contains(action))
}

fn one_or_many(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ecs_tasks_trust_policy_is_recognised_in_its_forms() {
        assert!(trusts_ecs_tasks(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
        ));
        assert!(trusts_ecs_tasks(
            r#"{"Statement":{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","ecs-tasks.amazonaws.com"]},"Action":["sts:AssumeRole","sts:TagSession"]}}"#
        ));
    }

    #[test]
    fn other_principals_actions_and_denies_do_not_trust_ecs_tasks() {
        assert!(!trusts_ecs_tasks(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
        ));
        assert!(!trusts_ecs_tasks(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#
        ));
        assert!(!trusts_ecs_tasks(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":"*","Action":"*"}]}"#
        ));
        assert!(!trusts_ecs_tasks("not json"));
    }

    #[test]
    fn role_names_drop_the_arn_and_the_path() {
        assert_eq!(
            role_name("arn:aws:iam::123456789012:role/ecsTaskExecutionRole"),
            "ecsTaskExecutionRole"
        );
        assert_eq!(
            role_name("arn:aws:iam::123456789012:role/service/app-task"),
            "app-task"
        );
        assert_eq!(role_name("app-task"), "app-task");
    }
}
