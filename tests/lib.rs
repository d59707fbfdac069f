//! One integration-test binary (link times matter with 2 cores): one module per feature.

mod support;

mod assume_role;
mod auto_scaling;
mod aws_layer;
mod cli;
mod daemons;
mod deploy;
mod deploy_codedeploy;
mod deploy_strategies;
mod ecr;
mod express;
mod hardening;
mod moto;
mod notify;
mod pacing;
mod prune;

mod run_task;
mod scheduled;
mod status;
mod summary;
mod verify;
mod wait;
