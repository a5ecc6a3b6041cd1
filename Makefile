# Thin wrapper over Meson for the README's commands.  Every target installs
# what it is missing first (tools/deps.sh).
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
TSAN_BUILD ?= build-tsan
SECONDS    ?= 60

.PHONY: all deps build asan tsan fuzz fuzz-run test bench bench-relay run clean

all: build

deps:
	@tools/deps.sh build

# Reconfigure every time: sources are discovered by directory listing.
define setup
	@if [ -f $(1)/build.ninja ]; then meson setup --reconfigure $(1) $(2) >/dev/null; \
	 else meson setup $(1) $(2) >/dev/null; fi
endef

build: deps
	$(call setup,$(BUILD),)
	@ninja -C $(BUILD)

asan: deps
	$(call setup,$(ASAN_BUILD),-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug "-Dc_args=-fno-sanitize-recover=all -fno-omit-frame-pointer")
	@ninja -C $(ASAN_BUILD)

# ThreadSanitizer build of the daemon: the media engine runs several threads.
tsan: deps
	$(call setup,$(TSAN_BUILD),-Db_sanitize=thread -Db_lundef=false -Dbuildtype=debug)
	@ninja -C $(TSAN_BUILD) rtcgated

fuzz:
	@tools/deps.sh fuzz
	$(call setup,$(FUZZ_BUILD),-Dfuzzing=true --native-file tools/clang.ini -Db_lundef=false -Db_sanitize=address,undefined)
	@ninja -C $(FUZZ_BUILD)
	@find $(FUZZ_BUILD) -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort | sed 's/^/built /'

fuzz-run: fuzz
	@tools/fuzz-run.sh $(FUZZ_BUILD) $(SECONDS)

test:
	@tools/deps.sh test
	@$(MAKE) --no-print-directory build asan tsan
	@RG_TSAN_BUILD=$(TSAN_BUILD) tools/test-all.sh $(BUILD) $(ASAN_BUILD)

# Micro benchmarks, then whole calls (SIP calls/s on one core, WebRTC call
# setups/s, the Kamailio comparison: a few minutes, see tools/bench-calls.sh).
bench: build
	@tools/bench.sh $(BUILD)
	@tools/deps.sh peers
	@tools/bench-calls.sh $(BUILD)

# rtcgated and rtpengine side by side: SDES-SRTP -> RTP relay cost, loss,
# latency and memory per call at STREAMS concurrent streams (minutes).
STREAMS ?= 100 1000
bench-relay:
	@tools/deps.sh peers
	@$(MAKE) --no-print-directory build
	@tools/bench-relay.sh $(BUILD) $(STREAMS)

run:
	@tools/deps.sh run
	@$(MAKE) --no-print-directory build
	@tools/run-demo.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(TSAN_BUILD)
