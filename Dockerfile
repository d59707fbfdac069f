# ecs-ship in a container, for CI systems that run jobs in images (GitLab CI, CodeBuild,
# Bitbucket Pipelines, `docker run`): the static musl release binary, nothing else.
#
#   static (default)  gcr.io/distroless/static-debian12:nonroot — CA roots, /etc/passwd with
#                     the non-root user 65532, no shell. ghcr.io/ecs-ship/ecs-ship:X.Y.Z, :X.Y
#   debug             the same with distroless's busybox shell (/busybox/sh), for CI systems
#                     that run a job's script inside the image. :X.Y.Z-debug, :X.Y-debug
#
# Built by the release pipeline (.circleci/test-deploy.yml, publish-image) from the release
# archives that scripts/build-release made, one per CPU, in ./dist:
#
#   docker buildx build --platform linux/amd64,linux/arm64 --target static .
#
# scripts/check-image lints this file (hadolint) and checks that the archive it unpacks holds
# a statically linked binary.

ARG DIST=dist

# Picks this platform's archive; runs on the build machine's own platform.
FROM --platform=$BUILDPLATFORM busybox:1.36.1-musl AS unpack
ARG DIST
ARG TARGETARCH
COPY ${DIST}/ecs-ship-x86_64-unknown-linux-musl.tar.gz ${DIST}/ecs-ship-aarch64-unknown-linux-musl.tar.gz /dist/
RUN case "$TARGETARCH" in \
      amd64) cpu=x86_64 ;; \
      arm64) cpu=aarch64 ;; \
      *) echo "no ecs-ship release for $TARGETARCH" >&2; exit 1 ;; \
    esac \
    && mkdir -p /out \
    && tar -xzf "/dist/ecs-ship-$cpu-unknown-linux-musl.tar.gz" -C /out ecs-ship \
    && chmod 0755 /out/ecs-ship

FROM gcr.io/distroless/static-debian12:nonroot AS static
LABEL org.opencontainers.image.title="ecs-ship" \
      org.opencontainers.image.description="Ship container apps to AWS ECS from CI" \
      org.opencontainers.image.source="https://github.com/ecs-ship/ecs-ship" \
      org.opencontainers.image.licenses="MIT"
COPY --from=unpack /out/ecs-ship /usr/local/bin/ecs-ship
USER 65532:65532
ENTRYPOINT ["ecs-ship"]

FROM gcr.io/distroless/static-debian12:debug-nonroot AS debug
LABEL org.opencontainers.image.title="ecs-ship (with a shell)" \
      org.opencontainers.image.source="https://github.com/ecs-ship/ecs-ship" \
      org.opencontainers.image.licenses="MIT"
COPY --from=unpack /out/ecs-ship /usr/local/bin/ecs-ship
USER 65532:65532
ENTRYPOINT ["ecs-ship"]

# The default target: the last stage is what a plain `docker build .` makes.
FROM static
