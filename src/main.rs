mod aws;
mod backoff;
mod ci_context;
mod cli;
mod codedeploy_verdict;
mod commands;
mod config;
mod context;
mod diff;
mod duration;
mod ecr;
mod ecs;
mod error;
mod image_update;
mod logs;
mod lookup;
mod output;
mod poll;
mod render;
mod report;
mod rollout_verdict;
mod run;
mod secret;
mod service_deployment_verdict;
mod slack;
mod task_definition;
mod task_verdict;
mod template;

// Progress is the live view among the renderers; most modules reach it as `crate::progress`.
use render::progress;

fn main() {
    std::process::exit(run::run(std::env::args_os().collect()));
}
