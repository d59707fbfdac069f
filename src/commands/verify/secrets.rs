//! Secrets: every `secrets[].valueFrom` and `repositoryCredentials.credentialsParameter` names
//! a Secrets Manager secret or SSM parameter that exists. DescribeSecret and GetParameters
//! without decryption: values are never read.

use serde_json::Value;

use super::answers::{unanswered, Answer, Answers, Needs, Regional};
use super::check::{Check, Kind};
use super::Subject;

/// Where a `valueFrom` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// DescribeSecret's id: the secret's ARN without the `:json-key:version-stage:version-id`
    /// suffix, or a name.
    Secret(Regional),
    /// An SSM parameter, by name or ARN as given.
    Parameter(Regional),
}

/// `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX[:JSON-KEY:STAGE:VERSION-ID]`, an
/// SSM ARN `arn:aws:ssm:REGION:ACCOUNT:parameter/NAME`, or (as ECS reads it) a parameter name
/// in the task's own region. `names_secret`: a bare name is a secret (repository credentials).
pub fn source(value_from: &str, default_region: &str, names_secret: bool) -> Source {
    let parts: Vec<&str> = value_from.split(':').collect();
    let region = |index: usize| {
        parts
            .get(index)
            .filter(|r| !r.is_empty())
            .unwrap_or(&default_region)
            .to_string()
    };
    match parts.as_slice() {
        ["arn", _, "secretsmanager", ..] if parts.len() >= 7 => Source::Secret(Regional {
            name: parts[..7].join(":"),
            region: region(3),
        }),
        ["arn", _, "ssm", ..] => Source::Parameter(Regional {
            name: value_from.to_string(),
            region: region(3),
        }),
        _ => {
            let key = Regional {
                name: value_from.to_string(),
                region: default_region.to_string(),
            };
            match names_secret {
                true => Source::Secret(key),
                false => Source::Parameter(key),
            }
        }
    }
}

/// (what, valueFrom, where it points) for every secret of the revision.
fn wanted(subject: &Subject<'_>, region: &str) -> Vec<(String, String, Source)> {
    let mut wanted = vec![];
    for container in subject.revision.containers() {
        let name = container
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        for secret in container
            .get("secrets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(key), Some(from)) = (
                secret.get("name").and_then(Value::as_str),
                secret.get("valueFrom").and_then(Value::as_str),
            ) else {
                continue;
            };
            wanted.push((
                format!("{name} {key}"),
                from.to_string(),
                source(from, region, false),
            ));
        }
        if let Some(from) = container
            .get("repositoryCredentials")
            .and_then(|c| c.get("credentialsParameter"))
            .and_then(Value::as_str)
        {
            let what = format!("{name} repository credentials");
            wanted.push((what, from.to_string(), source(from, region, true)));
        }
    }
    wanted
}

pub fn needs(subject: &Subject<'_>, region: &str, needs: &mut Needs) {
    for (_, _, source) in wanted(subject, region) {
        match source {
            Source::Secret(key) => needs.secrets.insert(key),
            Source::Parameter(key) => needs.parameters.insert(key),
        };
    }
}

pub fn checks(subject: &Subject<'_>, region: &str, answers: &Answers) -> Vec<Check> {
    wanted(subject, region)
        .into_iter()
        .map(|(what, from, source)| {
            let (answer, kind_of_thing, fix) = match &source {
                Source::Secret(key) => (
                    answers.secrets.get(key),
                    "Secrets Manager secret",
                    "create the secret, or fix valueFrom (the execution role reads it when a task starts)",
                ),
                Source::Parameter(key) => (
                    answers.parameters.get(key),
                    "SSM parameter",
                    "create the parameter (aws ssm put-parameter), or fix valueFrom",
                ),
            };
            let what = format!("{what}: {from}");
            match answer {
                Some(Answer::Found(())) => Check::passed(Kind::Secret, what, format!("{kind_of_thing} exists")),
                Some(Answer::Missing) => Check::failed(
                    Kind::Secret,
                    what,
                    format!("{kind_of_thing} does not exist"),
                    fix,
                ),
                other => unanswered(Kind::Secret, what, other),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(name: &str, region: &str) -> Source {
        Source::Secret(Regional {
            name: name.into(),
            region: region.into(),
        })
    }

    fn parameter(name: &str, region: &str) -> Source {
        Source::Parameter(Regional {
            name: name.into(),
            region: region.into(),
        })
    }

    #[test]
    fn secrets_manager_arns_lose_their_json_key_suffix() {
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf";
        assert_eq!(source(arn, "us-east-1", false), secret(arn, "eu-west-1"));
        assert_eq!(
            source(&format!("{arn}:password::"), "us-east-1", false),
            secret(arn, "eu-west-1")
        );
        assert_eq!(
            source(&format!("{arn}:password:AWSCURRENT:"), "us-east-1", false),
            secret(arn, "eu-west-1")
        );
    }

    #[test]
    fn parameters_by_name_or_arn_and_bare_credential_names() {
        assert_eq!(
            source("/prod/db", "us-east-1", false),
            parameter("/prod/db", "us-east-1")
        );
        let arn = "arn:aws:ssm:ap-northeast-1:123456789012:parameter/prod/db";
        assert_eq!(
            source(arn, "us-east-1", false),
            parameter(arn, "ap-northeast-1")
        );
        assert_eq!(
            source("dockerhub", "us-east-1", true),
            secret("dockerhub", "us-east-1")
        );
    }
}
