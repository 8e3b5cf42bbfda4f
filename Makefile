# Two entry points for a fresh machine (see README): `make report` and `make test`.
# Both create the virtual environment once (.venv) and reuse it while the pins are unchanged.
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
CORES ?= 4

.PHONY: report test test-tools lint clean

$(READY): requirements.txt pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-build-isolation --no-deps -e .
	touch $(READY)

report: $(READY)
	PATH="$(CURDIR)/$(BIN):$$PATH" snakemake --cores $(CORES)

# The independent references of the differential tests (Node + the official ISNCSCI algorithm, R
# with coin and exactRankTests) and SLURM for the cluster test, from Debian when missing. Each
# script does nothing when its tools are there and exits 0 without root: the test then says why
# it skips (under CI=true a missing Node or R is a failure).
test-tools:
	bash tests/oracle/install_node.sh
	bash tests/r/install.sh
	bash tests/slurm/install.sh

test: $(READY) test-tools
	PATH="$(CURDIR)/$(BIN):$$PATH" pytest

lint: $(READY)
	PATH="$(CURDIR)/$(BIN):$$PATH" snakemake --lint
	PATH="$(CURDIR)/$(BIN):$$PATH" snakefmt --check Snakefile workflow/rules

clean:
	rm -rf results .snakemake
