//! What verify asks AWS: every resource the subjects name, each asked once per run (a role
//! shared by ten services is read once), all at once, answers kept by resource.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::check::{Check, Kind};
use crate::aws::{Aws, AwsError, ErrorKind, ImageLookup, ImageManifest, Role};

/// How many AWS calls run at once.
const CONCURRENCY: usize = 8;

/// An ECR image: registry account and region, repository, tag or digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageKey {
    pub account: String,
    pub region: String,
    pub repository: String,
    pub reference: String,
}

/// A name (or ARN) in a region: secrets, parameters, log groups.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Regional {
    pub name: String,
    pub region: String,
}

/// What AWS said about one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    Found(T),
    Missing,
    /// The caller may not ask: the permission it lacks.
    Denied(&'static str),
    /// Any other error, after the SDK's retries.
    Failed(String),
}

impl<T> Answer<T> {
    fn of(result: Result<T, AwsError>, permission: &'static str) -> Self {
        match result {
            Ok(found) => Answer::Found(found),
            Err(error) => match error.kind() {
                ErrorKind::NotFound => Answer::Missing,
                ErrorKind::AccessDenied => Answer::Denied(permission),
                _ => Answer::Failed(error.to_string()),
            },
        }
    }
}

/// The check for an answer that says neither found nor missing: a missing permission is
/// skipped, any other error fails the check (verify could not vouch for it).
pub fn unanswered<T>(kind: Kind, subject: String, answer: Option<&Answer<T>>) -> Check {
    match answer {
        Some(Answer::Denied(permission)) => {
            Check::skipped(kind, subject, format!("needs {permission}"))
        }
        Some(Answer::Failed(error)) => Check::failed(
            kind,
            subject,
            format!("could not check: {error}"),
            "run verify again; if it persists, check the credentials and region",
        ),
        _ => Check::failed(kind, subject, "no answer", "run verify again"),
    }
}

/// Every resource the subjects name, each once.
#[derive(Debug, Default)]
pub struct Needs {
    pub images: BTreeSet<ImageKey>,
    /// Role names.
    pub roles: BTreeSet<String>,
    pub secrets: BTreeSet<Regional>,
    pub parameters: BTreeSet<Regional>,
    pub log_groups: BTreeSet<Regional>,
}

#[derive(Debug, Default)]
pub struct Answers {
    /// `Found(None)`: the repository exists but has no such tag or digest.
    pub images: HashMap<ImageKey, Answer<Option<ImageManifest>>>,
    pub roles: HashMap<String, Answer<Role>>,
    pub secrets: HashMap<Regional, Answer<()>>,
    pub parameters: HashMap<Regional, Answer<()>>,
    pub log_groups: HashMap<Regional, Answer<()>>,
}

/// One answer of any kind, as the concurrent calls hand them back.
enum Reply {
    Image(ImageKey, Answer<Option<ImageManifest>>),
    Role(String, Answer<Role>),
    Secret(Regional, Answer<()>),
    /// One GetParameters batch per region: the names asked, and which of them are missing.
    Parameters(String, Vec<String>, Answer<Vec<String>>),
    LogGroup(Regional, Answer<()>),
}

impl Needs {
    /// Asks AWS about every resource, up to CONCURRENCY calls at once.
    pub async fn ask(self, aws: &Aws) -> Answers {
        let limit = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
        let mut set = tokio::task::JoinSet::new();
        let mut spawn =
            |call: std::pin::Pin<Box<dyn std::future::Future<Output = Reply> + Send>>| {
                let limit = limit.clone();
                set.spawn(async move {
                    let _permit = limit.acquire_owned().await.expect("semaphore open");
                    call.await
                });
            };
        for key in self.images {
            let aws = aws.clone();
            spawn(Box::pin(async move {
                let lookup = ImageLookup {
                    registry_id: Some(&key.account),
                    region: Some(&key.region),
                    repository: &key.repository,
                    tag: &key.reference,
                };
                let answer = Answer::of(aws.image_manifest(&lookup).await, "ecr:BatchGetImage");
                Reply::Image(key, answer)
            }));
        }
        for name in self.roles {
            let aws = aws.clone();
            spawn(Box::pin(async move {
                let answer = Answer::of(aws.role(&name).await, "iam:GetRole");
                Reply::Role(name, answer)
            }));
        }
        for key in self.secrets {
            let aws = aws.clone();
            spawn(Box::pin(async move {
                let result = aws.describe_secret(&key.name, Some(&key.region)).await;
                Reply::Secret(
                    key,
                    Answer::of(result.map(drop), "secretsmanager:DescribeSecret"),
                )
            }));
        }
        let mut by_region: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for key in self.parameters {
            by_region.entry(key.region).or_default().push(key.name);
        }
        for (region, names) in by_region {
            let aws = aws.clone();
            spawn(Box::pin(async move {
                let result = aws.missing_parameters(&names, Some(&region)).await;
                Reply::Parameters(region, names, Answer::of(result, "ssm:GetParameters"))
            }));
        }
        for key in self.log_groups {
            let aws = aws.clone();
            spawn(Box::pin(async move {
                let answer = match aws.log_group_exists(&key.name, Some(&key.region)).await {
                    Ok(true) => Answer::Found(()),
                    Ok(false) => Answer::Missing,
                    Err(error) => Answer::of(Err(error), "logs:DescribeLogGroups"),
                };
                Reply::LogGroup(key, answer)
            }));
        }
        let mut answers = Answers::default();
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok(reply) => answers.keep(reply),
                // A call that panicked is a bug: surface it, not a half-answered checklist.
                Err(error) => std::panic::resume_unwind(error.into_panic()),
            }
        }
        answers
    }
}

impl Answers {
    fn keep(&mut self, reply: Reply) {
        match reply {
            Reply::Image(key, answer) => {
                self.images.insert(key, answer);
            }
            Reply::Role(name, answer) => {
                self.roles.insert(name, answer);
            }
            Reply::Secret(key, answer) => {
                self.secrets.insert(key, answer);
            }
            Reply::Parameters(region, names, answer) => {
                for name in names {
                    let each = match &answer {
                        Answer::Found(missing) if missing.contains(&name) => Answer::Missing,
                        Answer::Found(_) => Answer::Found(()),
                        Answer::Missing => Answer::Missing,
                        Answer::Denied(permission) => Answer::Denied(permission),
                        Answer::Failed(error) => Answer::Failed(error.clone()),
                    };
                    let region = region.clone();
                    self.parameters.insert(Regional { name, region }, each);
                }
            }
            Reply::LogGroup(key, answer) => {
                self.log_groups.insert(key, answer);
            }
        }
    }
}
