//! Secrets Manager: whether a secret exists (`verify`). DescribeSecret only: the value is
//! never read.

use super::{Aws, AwsError, Service};

impl Aws {
    /// DescribeSecret of `id` (name or ARN) in `region` (default: the configured one); the
    /// secret's ARN. A missing secret is an `ErrorKind::NotFound`.
    pub async fn describe_secret(
        &self,
        id: &str,
        region: Option<&str>,
    ) -> Result<String, AwsError> {
        let client = self.regional(&self.inner.secretsmanager, region, |region, log| {
            aws_sdk_secretsmanager::Client::from_conf(
                aws_sdk_secretsmanager::config::Builder::from(&self.inner.sdk)
                    .region(region)
                    .interceptor(log)
                    .build(),
            )
        });
        let output = client
            .describe_secret()
            .secret_id(id)
            .send()
            .await
            .map_err(Service::SecretsManager.failed("DescribeSecret"))?;
        Ok(output.arn().unwrap_or(id).to_string())
    }
}
