mod aws;
mod cli;
mod commands;
mod config;
mod context;
mod duration;
mod ecs;
mod error;
mod logs;
mod poll;
mod progress;
mod report;
mod run;
mod task_definition;
mod task_verdict;

fn main() {
    std::process::exit(run::run(std::env::args_os().collect()));
}
