//! CloudWatch Logs: one page of a log stream at a time.

use super::{Aws, AwsError, Service};

/// One GetLogEvents answer.
pub struct LogPage {
    pub messages: Vec<String>,
    pub next_forward_token: Option<String>,
}

impl Aws {
    /// The events after `token` (from the head without one), at most `limit`, in `region` when
    /// the log group lives outside the client's own.
    pub async fn get_log_events(
        &self,
        group: &str,
        stream: &str,
        region: Option<&str>,
        token: Option<&str>,
        limit: i32,
    ) -> Result<LogPage, AwsError> {
        let client = self.regional(&self.inner.logs, region, |region, log| {
            aws_sdk_cloudwatchlogs::Client::from_conf(
                aws_sdk_cloudwatchlogs::config::Builder::from(&self.inner.sdk)
                    .region(region)
                    .interceptor(log)
                    .build(),
            )
        });
        let output = client
            .get_log_events()
            .log_group_name(group)
            .log_stream_name(stream)
            .start_from_head(true)
            .limit(limit)
            .set_next_token(token.map(str::to_string))
            .send()
            .await
            .map_err(Service::Logs.failed("GetLogEvents"))?;
        Ok(LogPage {
            messages: output
                .events
                .unwrap_or_default()
                .into_iter()
                .filter_map(|event| event.message)
                .collect(),
            next_forward_token: output.next_forward_token,
        })
    }
}
