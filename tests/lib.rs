//! One integration-test binary (link times matter with 2 cores): one module per feature.

mod support;

mod cli;
mod moto;

mod run_task;
