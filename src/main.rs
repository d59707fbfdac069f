mod aws;
mod backoff;
mod checks;
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
mod github_output;
mod image_reference;
mod image_update;
mod logs;
mod lookup;
mod output;
mod poll;
mod preflight;
mod progress;
mod read_file;
mod report;
mod rollout_verdict;
mod run;
mod scheduled;
mod secret;
mod service_deployment_verdict;
mod slack;
mod task_definition;
mod task_verdict;
mod template;
mod usage_error;

fn main() {
    std::process::exit(run::run(std::env::args_os().collect()));
}
