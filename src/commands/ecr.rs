//! `ecs-ship ecr login` (a docker-login password, or `docker login` itself) and
//! `ecs-ship ecr resolve REPO:TAG` (the digest a tag points at).

use std::process::Stdio;

use tokio::io::AsyncWriteExt;

use crate::cli::{EcrCommand, EcrLoginArgs, EcrResolveArgs};
use crate::context::Context;
use crate::ecr::{self, ImageRef};
use crate::error::{Error, Result};
use crate::output::{CommandResult, EcrLoginResult, EcrResolveResult};
use crate::report::Report;

pub async fn run(context: &Context, command: &EcrCommand) -> Result<Report> {
    match command {
        EcrCommand::Login(args) => login(context, args).await,
        EcrCommand::Resolve(args) => resolve(context, args).await,
    }
}

async fn login(context: &Context, args: &EcrLoginArgs) -> Result<Report> {
    let aws = context.aws().await?;
    let login = ecr::login(&aws).await?;
    let registry = login
        .endpoint
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    if !args.docker {
        // The password is the result: stdout only, as `aws ecr get-login-password` does.
        return Ok(Report::of(CommandResult::EcrLogin(EcrLoginResult {
            command: "ecr login",
            result: "succeeded",
            registry,
            username: Some(login.username),
            password: Some(login.password),
        })));
    }
    context
        .progress
        .say(format_args!("docker login {registry}"));
    let mut child = tokio::process::Command::new("docker")
        .args(["login", "--username", &login.username, "--password-stdin", &registry])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Error::input_with_hint(
                format!("cannot run docker: {e}"),
                "install the docker CLI, or run `ecs-ship ecr login | docker login --username AWS --password-stdin REGISTRY`",
            )
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(login.password.as_bytes())
            .await
            .map_err(|e| Error::Other(format!("cannot pass the password to docker: {e}")))?;
    }
    let output = child
        .wait_with_output()
        .await
        .map_err(|e| Error::Other(format!("docker login did not finish: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).replace(&login.password, "***");
        return Err(Error::Other(format!(
            "docker login {registry} failed ({}): {}",
            output.status,
            stderr.trim()
        )));
    }
    context
        .progress
        .say(format_args!("✓ logged in to {registry}"));
    Ok(Report::of(CommandResult::EcrLogin(EcrLoginResult {
        command: "ecr login",
        result: "succeeded",
        registry,
        username: None,
        password: None,
    })))
}

async fn resolve(context: &Context, args: &EcrResolveArgs) -> Result<Report> {
    let image = ImageRef::parse(args.image.trim());
    if image.repository.is_empty() {
        return Err(Error::input("ecr resolve needs REPOSITORY:TAG"));
    }
    let registry = image.ecr();
    if image.registry.is_some() && registry.is_none() {
        return Err(Error::input(format!(
            "`{}` is not an ECR image (expected ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG or REPOSITORY:TAG)",
            args.image
        )));
    }
    let aws = context.aws().await?;
    let digest = match (&image.digest, &image.tag) {
        (Some(digest), _) => digest.clone(),
        (None, tag) => {
            ecr::resolve_digest(
                &aws,
                registry.as_ref(),
                &image.repository,
                tag.as_deref().unwrap_or("latest"),
            )
            .await?
        }
    };
    Ok(Report::of(CommandResult::EcrResolve(EcrResolveResult {
        command: "ecr resolve",
        result: "succeeded",
        image: args.image.clone(),
        repository: image.repository.clone(),
        tag: image.tag.as_deref().unwrap_or("latest").to_string(),
        pinned: image.with_digest(&digest),
        digest,
    })))
}
