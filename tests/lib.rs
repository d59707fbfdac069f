//! One integration-test binary (link times matter with 2 cores): one module per feature.

mod support;

mod assume_role;
mod aws_layer;
mod cli;
mod daemons;
mod deploy;
mod deploy_codedeploy;
mod deploy_strategies;
mod ecr;
mod hardening;
mod moto;
mod notify;
mod pacing;

mod run_task;
mod scheduled;
mod summary;
mod verify;
