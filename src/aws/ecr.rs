//! ECR: a tag's digest, an image's manifest, and the docker login token.

use aws_sdk_ecr::types::ImageIdentifier;

use super::{Aws, AwsError, Service};

/// Where to look an image up: `None` fields mean the caller's own account and region.
pub struct ImageLookup<'a> {
    pub registry_id: Option<&'a str>,
    pub region: Option<&'a str>,
    pub repository: &'a str,
    pub tag: &'a str,
}

/// An image's manifest (one platform) or image index (several), as ECR stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageManifest {
    pub media_type: Option<String>,
    /// The manifest JSON.
    pub body: String,
}

/// What BatchGetImage may answer with: image indexes as well as single manifests, so the
/// platforms of a multi-arch image can be read.
const MANIFEST_MEDIA_TYPES: [&str; 4] = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

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

    /// BatchGetImage of one tag or digest (`sha256:…` in `image.tag`): its manifest or image
    /// index, `None` when the repository has no such image. A missing repository is an
    /// `ErrorKind::NotFound`.
    pub async fn image_manifest(
        &self,
        image: &ImageLookup<'_>,
    ) -> Result<Option<ImageManifest>, AwsError> {
        let id = match image.tag.starts_with("sha256:") {
            true => ImageIdentifier::builder().image_digest(image.tag),
            false => ImageIdentifier::builder().image_tag(image.tag),
        };
        let output = self
            .ecr(image.region)
            .batch_get_image()
            .set_registry_id(image.registry_id.map(str::to_string))
            .repository_name(image.repository)
            .image_ids(id.build())
            .set_accepted_media_types(Some(
                MANIFEST_MEDIA_TYPES.iter().map(|t| t.to_string()).collect(),
            ))
            .send()
            .await
            .map_err(Service::Ecr.failed("BatchGetImage"))?;
        Ok(output.images().first().map(|found| ImageManifest {
            media_type: found.image_manifest_media_type().map(str::to_string),
            body: found.image_manifest().unwrap_or_default().to_string(),
        }))
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
