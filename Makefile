# Provisioner: the two commands a newcomer needs are `make demo` and `make test`.
# Everything else here is what those two are made of.

SHELL := /bin/bash
DOTNET ?= dotnet
CONFIGURATION ?= Debug
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: all deps restore build pxe live-image test-os images test test-unit test-e2e demo bench clean

all: build

## deps: install every Debian package the project needs (idempotent; quick when all are present)
deps:
	@scripts/deps.sh

restore: deps
	$(DOTNET) restore Provisioner.sln

## build: compile the whole solution (warnings are errors)
build: restore
	$(DOTNET) build Provisioner.sln -c $(CONFIGURATION) --no-restore -nologo -clp:ErrorsOnly

## pxe: boot loaders from Debian packages into pxe/
pxe: deps
	@pxe/fetch.sh

## live-image: the PXE-booted live system with the agent (images/live/out)
live-image: deps
	@if [ -x images/live/build.sh ]; then images/live/build.sh; else echo "live-image: images/live/build.sh not present yet"; fi

## test-os: the small bootable OS image the end-to-end tests deploy (images/test-os/out)
test-os: deps
	@if [ -x images/test-os/build.sh ]; then images/test-os/build.sh; else echo "test-os: images/test-os/build.sh not present yet"; fi

images: live-image test-os

## test: everything: deps, build, boot loaders, images, unit + real-peer integration + end-to-end tests
test: build pxe images
	@scripts/run-tests.sh

## test-unit: the tests without the virtual rack
test-unit: build pxe
	@scripts/run-tests.sh --no-e2e

## demo: build everything and provision a virtual rack on the embedded default (SQLite), dashboard left running
demo: build pxe images
	@scripts/demo.sh

## bench: every benchmark against its real peer (results under bench/results/)
bench: build
	@for b in bench/*.sh; do echo "== $$b"; bash "$$b" || exit 1; done

clean:
	$(DOTNET) clean Provisioner.sln -nologo -v q
	rm -rf build TestResults images/live/out images/test-os/out
