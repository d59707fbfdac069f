//! Logs: every `awslogs` log group exists, unless the driver is told to create it.

use serde_json::Value;

use super::answers::{unanswered, Answer, Answers, Needs, Regional};
use super::check::{Check, Kind};
use super::Subject;

/// (container, its group in its region, awslogs-create-group) of every awslogs container.
fn wanted(subject: &Subject<'_>, default_region: &str) -> Vec<(String, Regional, bool)> {
    subject
        .revision
        .containers()
        .filter_map(|container| {
            let config = container.get("logConfiguration")?;
            if config.get("logDriver")?.as_str()? != "awslogs" {
                return None;
            }
            let options = config.get("options")?;
            let option = |name: &str| options.get(name).and_then(Value::as_str);
            let group = Regional {
                name: option("awslogs-group")?.to_string(),
                region: option("awslogs-region")
                    .unwrap_or(default_region)
                    .to_string(),
            };
            let create =
                option("awslogs-create-group").is_some_and(|v| v.eq_ignore_ascii_case("true"));
            Some((container.get("name")?.as_str()?.to_string(), group, create))
        })
        .collect()
}

pub fn needs(subject: &Subject<'_>, region: &str, needs: &mut Needs) {
    for (_, group, create) in wanted(subject, region) {
        if !create {
            needs.log_groups.insert(group);
        }
    }
}

pub fn checks(subject: &Subject<'_>, region: &str, answers: &Answers) -> Vec<Check> {
    wanted(subject, region)
        .into_iter()
        .map(|(container, group, create)| {
            let what = format!("{container}: {} ({})", group.name, group.region);
            if create {
                return Check::passed(Kind::LogGroup, what, "awslogs-create-group is true");
            }
            match answers.log_groups.get(&group) {
                Some(Answer::Found(())) => Check::passed(Kind::LogGroup, what, "exists"),
                Some(Answer::Missing) => Check::failed(
                    Kind::LogGroup,
                    what,
                    "does not exist",
                    format!(
                        "aws logs create-log-group --log-group-name {} --region {}, or set awslogs-create-group to true",
                        group.name, group.region
                    ),
                ),
                other => unanswered(Kind::LogGroup, what, other),
            }
        })
        .collect()
}
