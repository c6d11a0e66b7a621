# tinbai — the two commands a newcomer needs: `make serve` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install serve test lint bench-tag train clean

## install: create .venv and install tinbai with every extra, pinned by constraints.txt (idempotent)
install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[train,phobert,ray,plot,eval,dev]'
	@touch $(STAMP)

## serve: the HTTP API on 127.0.0.1:8000 with the shipped default bundle
serve: install
	$(BIN)/tinbai serve

## test: the whole test suite
test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check model service training tests bench

## train: rebuild the shipped default bundle from ../shared
train: install
	$(BIN)/tinbai train --config configs/default.yaml --force

clean:
	rm -rf $(VENV) .pytest_cache
