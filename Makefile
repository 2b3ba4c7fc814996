# The two commands of the README. Each creates the virtual environment from pyproject.toml and the
# pinned constraints when it is missing (or older than either file). Both also install Debian's Chromium,
# which draws the report's PNG and SVG charts and runs the browser test, where they can (root and apt-get
# available); without it `tipstats report` still writes everything but the images, and the browser test
# is skipped.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test chromium

$(BIN)/tipstats: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

chromium:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's chromium (for the report's chart images)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "No Chromium, and no root apt-get to install it: reports are written without PNG/SVG charts (install chromium to get them)"; \
	fi

run: $(BIN)/tipstats chromium
	$(BIN)/tipstats refresh
	$(BIN)/tipstats export

test: $(BIN)/tipstats chromium
	$(BIN)/pytest
