//! CloudWatch Logs: one page of a log stream at a time.

use super::{Aws, AwsError, Service};

/// One GetLogEvents answer.
pub struct LogPage {
    pub messages: Vec<String>,
    pub next_forward_token: Option<String>,
}

impl Aws {
    /// The CloudWatch Logs client of `region` (default: the configured one).
    fn logs(&self, region: Option<&str>) -> aws_sdk_cloudwatchlogs::Client {
        self.regional(&self.inner.logs, region, |region, log| {
            aws_sdk_cloudwatchlogs::Client::from_conf(
                aws_sdk_cloudwatchlogs::config::Builder::from(&self.inner.sdk)
                    .region(region)
                    .interceptor(log)
                    .build(),
            )
        })
    }

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
        let client = self.logs(region);
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
    /// Whether log group `name` exists in `region` (default: the configured one).
    pub async fn log_group_exists(
        &self,
        name: &str,
        region: Option<&str>,
    ) -> Result<bool, AwsError> {
        let client = self.logs(region);
        // Groups come in name order: the exact name, when it exists, is the first with it as
        // a prefix.
        let output = client
            .describe_log_groups()
            .log_group_name_prefix(name)
            .limit(1)
            .send()
            .await
            .map_err(Service::Logs.failed("DescribeLogGroups"))?;
        Ok(output
            .log_groups()
            .iter()
            .any(|group| group.log_group_name() == Some(name)))
    }
}
