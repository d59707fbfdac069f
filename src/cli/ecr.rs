//! `ecr`'s subcommands and their arguments.

use clap::{Args, Subcommand};

use crate::checks;

#[derive(Subcommand, Debug, Clone)]
pub enum EcrCommand {
    /// Print a docker-login password for the account's ECR registry, or run `docker login`.
    Login(EcrLoginArgs),
    /// Resolve REPO:TAG to its image digest.
    Resolve(EcrResolveArgs),
}

#[derive(Args, Debug, Clone)]
pub struct EcrLoginArgs {
    /// Run `docker login` with the password on stdin instead of printing it.
    #[arg(long, env = "ECS_SHIP_DOCKER")]
    pub docker: bool,
}

#[derive(Args, Debug, Clone)]
pub struct EcrResolveArgs {
    /// REPOSITORY:TAG, or a full ECR image reference.
    #[arg(value_parser = checks::image)]
    pub image: String,
}
