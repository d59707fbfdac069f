//! ECR: a tag's digest, and the docker login token.

use aws_sdk_ecr::types::ImageIdentifier;

use super::{Aws, AwsError, Service};

/// Where to look an image up: `None` fields mean the caller's own account and region.
pub struct ImageLookup<'a> {
    pub registry_id: Option<&'a str>,
    pub region: Option<&'a str>,
    pub repository: &'a str,
    pub tag: &'a str,
}

impl Aws {
    fn ecr(&self, region: Option<&str>) -> aws_sdk_ecr::Client {
        self.regional(&self.inner.ecr, region, |region, log| {
            aws_sdk_ecr::Client::from_conf(
                aws_sdk_ecr::config::Builder::from(&self.inner.sdk)
                    .region(region)
                    .interceptor(log)
                    .build(),
            )
        })
    }

    /// DescribeImages for one tag: its digest, `None` when ECR lists no detail for it.
    pub async fn image_digest(&self, image: &ImageLookup<'_>) -> Result<Option<String>, AwsError> {
        let output = self
            .ecr(image.region)
            .describe_images()
            .set_registry_id(image.registry_id.map(str::to_string))
            .repository_name(image.repository)
            .image_ids(ImageIdentifier::builder().image_tag(image.tag).build())
            .send()
            .await
            .map_err(Service::Ecr.failed("DescribeImages"))?;
        Ok(output
            .image_details()
            .iter()
            .find_map(|detail| detail.image_digest().map(str::to_string)))
    }

    /// GetAuthorizationToken: the base64 `AWS:password` token and the registry's endpoint.
    pub async fn ecr_authorization(&self) -> Result<Option<(String, String)>, AwsError> {
        let output = self
            .ecr(None)
            .get_authorization_token()
            .send()
            .await
            .map_err(Service::Ecr.failed("GetAuthorizationToken"))?;
        Ok(output.authorization_data().first().and_then(|data| {
            Some((
                data.authorization_token()?.to_string(),
                data.proxy_endpoint().unwrap_or_default().to_string(),
            ))
        }))
    }
}
