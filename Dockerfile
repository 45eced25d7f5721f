# Multi-stage: compile with the full Rust image, ship only the static binary.
#   docker build -t cymig . && docker run --rm -v "$PWD:/src" -w /src cymig lint migrations/
# .dockerignore keeps .git out of the context, so pass the commit for `cymig --version`:
#   docker build --build-arg CYMIG_GIT_COMMIT=$(git rev-parse --short HEAD) -t cymig .
FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev ca-certificates
WORKDIR /build
ARG CYMIG_GIT_COMMIT=unknown
ENV CYMIG_GIT_COMMIT=${CYMIG_GIT_COMMIT}
COPY . .
# No debug info in the shipped binary (the `release` profile keeps some for profiling).
ENV CARGO_PROFILE_DIST_DEBUG=0 CARGO_PROFILE_DIST_STRIP=symbols
RUN cargo build --locked --profile dist --bin cymig

# scratch: no shell, no libc, nothing but cymig (statically linked against musl).
FROM scratch
COPY --from=build /build/target/dist/cymig /usr/local/bin/cymig
# `cymig up` over bolt+s:// or neo4j+s:// verifies the server against these.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENTRYPOINT ["/usr/local/bin/cymig"]
CMD ["--help"]
