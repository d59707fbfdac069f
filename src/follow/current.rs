//! Following a deployment ecs-ship did not start (`wait`): whatever is in progress on a service
//! — started by Terraform, the console, another pipeline or ECS itself — or the one named, found
//! from the service's current state, with the same followers deploy uses. With nothing in
//! progress, how the latest deployment ended is the verdict (`Ended`).

use super::{
    deployment_group, latest_codedeploy, native, CodeDeploy, Ended, Follower, Goal, Native,
    Rolling, Scope, Watch, Way,
};
use crate::aws::{DeploymentGroup, ErrorKind};
use crate::cli::{CodeDeployArgs, OnPause};
use crate::ecs::{ServiceDeployment, ServiceDescription};
use crate::error::{Error, Result};
use crate::judge::{current as judge, Verdict};

/// How the deployment followed was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// In progress when ecs-ship looked.
    InProgress,
    /// Nothing was in progress: the latest deployment, already ended.
    Latest,
    /// The one `--deployment` named.
    Named,
}

/// What to follow and how far.
pub struct Wanted<'a> {
    /// An ECS deployment id (`ecs-svc/…`), a service deployment ARN or a CodeDeploy id (`d-…`).
    pub deployment: Option<&'a str>,
    pub goal: Goal,
    pub on_pause: OnPause,
    /// The command that continues a paused deployment of this service.
    pub continue_command: String,
    pub codedeploy: &'a CodeDeployArgs,
}

/// The watch that follows what goes on on `service` (as just described), and how it was found.
pub async fn current(
    scope: &Scope<'_>,
    service: &ServiceDescription,
    wanted: Wanted<'_>,
) -> Result<(Watch, Found)> {
    let name = &service.service_name;
    let way = Way::of(service);
    let (watch, found) = match (way, wanted.deployment) {
        (Way::External, _) => {
            return Err(Error::input(format!(
                "service `{name}` uses the EXTERNAL deployment controller: its task sets are driven by another tool, whose deployments ecs-ship cannot follow"
            )))
        }
        (Way::CodeDeploy, named) => codedeploy(scope, service, &wanted, named).await?,
        (_, Some(id)) if id.starts_with("d-") => {
            return Err(Error::input(format!(
                "--deployment {id} is a CodeDeploy deployment, and service `{name}` deploys with {}",
                Way::describe(service)
            )))
        }
        (_, Some(arn)) if arn.starts_with("arn:") => {
            let deployment = named_service_deployment(scope, service, arn).await?;
            (of_service_deployment(service, deployment, &wanted), Found::Named)
        }
        (_, Some(id)) => (named_rolling(service, id)?, Found::Named),
        (Way::Rolling, None) => match judge::rolling(service) {
            Some(deployment) => {
                let follower = Rolling::new(
                    deployment.id.clone(),
                    service.current_service_deployment.clone(),
                );
                let id = Some(deployment.id.clone());
                let td = deployment.task_definition.clone();
                let watch = Watch::new(service, id, td, Box::new(follower));
                (watch, Found::InProgress)
            }
            None => latest(scope, service, &wanted).await?,
        },
        // An Express service deploys through service deployments, as a native one.
        (Way::Native | Way::Express, None) => latest(scope, service, &wanted).await?,
    };
    let what = match found {
        Found::InProgress => "in progress",
        Found::Latest => "nothing in progress; the latest",
        Found::Named => "as named",
    };
    scope.progress.say(format_args!(
        "{name}: following deployment {} ({what}), {}",
        watch.follower.followed(),
        Way::describe(service)
    ));
    Ok((watch, found))
}

/// The service deployment in progress, else how the latest one ended (a service that names
/// no current service deployment has nothing more to wait for: its deployments settled).
async fn latest(
    scope: &Scope<'_>,
    service: &ServiceDescription,
    wanted: &Wanted<'_>,
) -> Result<(Watch, Found)> {
    let latest = match service.current_service_deployment {
        Some(_) => native::latest(scope.aws, scope.cluster, service).await?,
        None => None,
    };
    Ok(match latest {
        Some(deployment) if deployment.status.in_progress() => (
            of_service_deployment(service, deployment, wanted),
            Found::InProgress,
        ),
        Some(deployment) => (
            of_service_deployment(service, deployment, wanted),
            Found::Latest,
        ),
        None => {
            let id = service.deployments.first().map(|d| d.id.clone());
            let follower = Ended::new(id.clone().unwrap_or_default(), Verdict::Completed);
            let td = service.task_definition.clone();
            (
                Watch::new(service, id, td, Box::new(follower)),
                Found::Latest,
            )
        }
    })
}

/// Followed through the service deployments API while it goes on; its verdict once ended.
fn of_service_deployment(
    service: &ServiceDescription,
    deployment: ServiceDeployment,
    wanted: &Wanted<'_>,
) -> Watch {
    let follower: Box<dyn Follower> = match judge::service_deployment_ended(&deployment) {
        Some(verdict) => Box::new(Ended::of_service_deployment(deployment, verdict)),
        None => Box::new(Native::new(
            deployment.arn,
            wanted.goal,
            wanted.on_pause,
            wanted.continue_command.clone(),
        )),
    };
    Watch::new(service, None, service.task_definition.clone(), follower)
}

async fn named_service_deployment(
    scope: &Scope<'_>,
    service: &ServiceDescription,
    arn: &str,
) -> Result<ServiceDeployment> {
    let name = &service.service_name;
    let not_found = || {
        Error::input_with_hint(
            format!("--deployment {arn}: no such service deployment of service `{name}`"),
            "`ecs-ship status` or ListServiceDeployments lists the service's deployments",
        )
    };
    let (deployments, _) = scope
        .aws
        .describe_service_deployments(&[arn.to_string()])
        .await
        .map_err(|e| match e.kind() {
            ErrorKind::NotFound | ErrorKind::Refused => not_found(),
            _ => e.into(),
        })?;
    deployments
        .into_iter()
        .find(|d| d.arn == arn && d.service_arn == service.service_arn)
        .ok_or_else(not_found)
}

/// A DescribeServices deployment named by its id (`ecs-svc/…`).
fn named_rolling(service: &ServiceDescription, id: &str) -> Result<Watch> {
    let Some(deployment) = service.deployments.iter().find(|d| d.id == id) else {
        let known: Vec<&str> = service.deployments.iter().map(|d| d.id.as_str()).collect();
        return Err(Error::input(format!(
            "--deployment {id}: service `{}` has no such deployment (it has {})",
            service.service_name,
            known.join(", ")
        )));
    };
    let follower = Rolling::new(id.to_string(), None);
    let td = deployment.task_definition.clone();
    Ok(Watch::new(
        service,
        Some(id.to_string()),
        td,
        Box::new(follower),
    ))
}

/// A CODE_DEPLOY service: the deployment named, else the one in progress in its group, else how
/// the group's latest one ended.
async fn codedeploy(
    scope: &Scope<'_>,
    service: &ServiceDescription,
    wanted: &Wanted<'_>,
    named: Option<&str>,
) -> Result<(Watch, Found)> {
    let (aws, name) = (scope.aws, &service.service_name);
    if let Some(id) = named.filter(|id| !id.starts_with("d-")) {
        return Err(Error::input(format!(
            "--deployment {id}: service `{name}` deploys with the CODE_DEPLOY controller; name its CodeDeploy deployment (d-…)"
        )));
    }
    let group = deployment_group(aws, wanted.codedeploy, scope.cluster, name).await?;
    let (deployment, found) = match named {
        Some(id) => {
            let deployment = aws
                .codedeploy_deployment(id)
                .await
                .map_err(|e| match e.kind() {
                    ErrorKind::NotFound | ErrorKind::Refused => Error::input(format!(
                        "--deployment {id}: no such CodeDeploy deployment ({})",
                        e.message
                    )),
                    _ => e.into(),
                })?;
            (Some(deployment), Found::Named)
        }
        None => match super::active(aws, &group).await? {
            Some(deployment) => (Some(deployment), Found::InProgress),
            None => (latest_codedeploy(aws, &group).await?, Found::Latest),
        },
    };
    let td = service.task_definition.clone();
    let Some(deployment) = deployment else {
        // The group never deployed: the service runs the task set it was created with.
        let id = service.primary_task_set.as_ref().map(|t| t.id.clone());
        let follower = Ended::new(id.clone().unwrap_or_default(), Verdict::Completed);
        return Ok((
            Watch::new(service, None, td, Box::new(follower)),
            Found::Latest,
        ));
    };
    let id = Some(deployment.id.clone());
    let (follower, found): (Box<dyn Follower>, Found) = match judge::codedeploy_ended(&deployment) {
        Some(verdict) => (
            Box::new(Ended::of_codedeploy(group, deployment, verdict)),
            found,
        ),
        // The latest is not over: it started after the group's deployments in progress were
        // listed, so it is in progress.
        None => (
            Box::new(following(scope, group, deployment.id, name, wanted)),
            match found {
                Found::Latest => Found::InProgress,
                other => other,
            },
        ),
    };
    Ok((Watch::new(service, id, td, follower), found))
}

fn following(
    scope: &Scope<'_>,
    group: DeploymentGroup,
    id: String,
    service: &str,
    wanted: &Wanted<'_>,
) -> CodeDeploy {
    let command = wanted.continue_command.clone();
    CodeDeploy::new(
        group,
        id,
        scope.cluster,
        service,
        wanted.goal,
        wanted.on_pause,
        command,
    )
}
