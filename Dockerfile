# flin-resp as a container image, FROM scratch: nothing is pulled from a registry. The static binary
# (CGO_ENABLED=0) is built on the host first; `make image` does both:
#
#   CGO_ENABLED=0 go build -trimpath -o build/image/flin-resp ./cmd/flin-resp
#   docker build -t flin-resp:dev -f Dockerfile build/image
#
# The build context (build/image, prepared by the Makefile) holds the binary and two empty
# directories: /data, the data volume, and /tmp. The server runs as an unprivileged user.
FROM scratch
COPY --chown=65532:65532 . /
USER 65532:65532
# Every flag can be set with FLIN_<FLAG>; these make the defaults right for a container.
ENV FLIN_BIND=0.0.0.0 \
    FLIN_PORT=6379 \
    FLIN_DIR=/data \
    FLIN_RAFT_ADDR=0.0.0.0:16379 \
    TMPDIR=/tmp
VOLUME /data
EXPOSE 6379 16379
# A scratch image has no shell: the binary checks itself (PING, and a known Raft leader).
HEALTHCHECK --interval=2s --timeout=3s --start-period=60s --retries=3 CMD ["/flin-resp", "healthcheck"]
ENTRYPOINT ["/flin-resp"]
