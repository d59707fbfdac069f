//! SSM Parameter Store: which parameters exist (`verify`). GetParameters without decryption:
//! values are never read.

use super::{Aws, AwsError, Service};

/// GetParameters takes at most this many names per call.
const NAMES_PER_CALL: usize = 10;

impl Aws {
    /// The ones of `names` (names or ARNs) that do not exist in `region` (default: the
    /// configured one), as given.
    pub async fn missing_parameters(
        &self,
        names: &[String],
        region: Option<&str>,
    ) -> Result<Vec<String>, AwsError> {
        let client = self.regional(&self.inner.ssm, region, |region, log| {
            aws_sdk_ssm::Client::from_conf(
                aws_sdk_ssm::config::Builder::from(&self.inner.sdk)
                    .region(region)
                    .interceptor(log)
                    .build(),
            )
        });
        let mut missing = vec![];
        for chunk in names.chunks(NAMES_PER_CALL) {
            let output = client
                .get_parameters()
                .set_names(Some(chunk.to_vec()))
                .with_decryption(false)
                .send()
                .await
                .map_err(Service::Ssm.failed("GetParameters"))?;
            missing.extend(output.invalid_parameters().iter().cloned());
        }
        Ok(missing)
    }
}
