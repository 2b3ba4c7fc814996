# The two commands of the README. Each creates the virtual environment from pyproject.toml and the
# pinned constraints when it is missing (or older than either file).
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test

$(BIN)/tipstats: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

run: $(BIN)/tipstats
	$(BIN)/tipstats refresh

test: $(BIN)/tipstats
	$(BIN)/pytest
