mod aws;
mod backoff;
mod checks;
mod ci_context;
mod cli;
mod commands;
mod config;
mod context;
mod daemon;
mod diff;
mod duration;
mod ecr;
mod ecs;
mod error;
mod follow;
mod image_reference;
mod image_update;
mod judge;
mod logs;
mod lookup;
mod output;
mod poll;
mod preflight;
mod read_file;
mod render;
mod report;
mod run;
mod scheduled;
mod secret;
mod slack;
mod task_definition;
mod template;
mod usage_error;

fn main() {
    std::process::exit(run::run(std::env::args_os().collect()));
}
