# Build, test and run flin-resp, alone or as a Docker cluster (docs/docker.md).
#
#   make build          static binary build/image/flin-resp (CGO_ENABLED=0)
#   make test           the test suite, as CI runs it
#   make image          the container image $(IMAGE), FROM scratch
#   make cluster-up     build, then start a 3-node cluster (NODES=5 for five) and wait until healthy
#   make cluster-down   stop the cluster and remove its volumes
#   make faults         the Docker fault suite (faults/), verbose

GO       ?= go
IMAGE    ?= flin-resp:dev
PROJECT  ?= flin
NODES    ?= 3
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
# Docker Compose v2 (`docker compose`) when present, else v1 (`docker-compose`).
COMPOSE  ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
COMPOSE_FILES := -f docker-compose.yml $(if $(filter 5,$(NODES)),-f docker-compose.5.yml)

.PHONY: build test image cluster-up cluster-down cluster-ps faults

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o build/image/flin-resp ./cmd/flin-resp

test:
	$(GO) test -race -count=1 ./...

image: build
	mkdir -p build/image/data build/image/tmp
	chmod 1777 build/image/tmp
	docker build -q -t $(IMAGE) -f Dockerfile build/image

cluster-up: image
	FLIN_IMAGE=$(IMAGE) $(COMPOSE) -p $(PROJECT) $(COMPOSE_FILES) up -d
	docker/wait-healthy $(PROJECT) 60

cluster-down:
	FLIN_IMAGE=$(IMAGE) $(COMPOSE) -p $(PROJECT) -f docker-compose.yml -f docker-compose.5.yml down -v --remove-orphans -t 15

cluster-ps:
	FLIN_IMAGE=$(IMAGE) $(COMPOSE) -p $(PROJECT) $(COMPOSE_FILES) ps

faults:
	$(GO) test -count=1 -v -timeout 15m ./faults/
