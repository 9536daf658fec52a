# Two commands on a fresh machine:
#   make repro   set up .venv and run the DVC pipeline on the bundled corpus
#   make test    set up .venv and run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: setup fonts browser repro test bench clean notebooks exp

$(BIN)/policy: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

setup: $(BIN)/policy

# A CJK font, so that the notebooks' charts and the graph pages show characters, not boxes.
fonts:
	@if fc-list 2>/dev/null | grep -qiE "wenquanyi|noto sans cjk|source han sans"; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null && apt-get install -y -qq fonts-wqy-microhei >/dev/null)) && \
	  rm -rf $$HOME/.cache/matplotlib; \
	else echo "warning: no CJK font; install fonts-wqy-microhei (Debian) or Noto Sans CJK"; fi

repro: setup
	DVC_NO_ANALYTICS=1 PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro
	DVC_NO_ANALYTICS=1 $(BIN)/dvc metrics show

# Debian's Chromium and LibreOffice Calc: tests open the reports in the one (headless,
# offline) and the workbook in the other; without them those tests are skipped
BROWSER_PKGS = chromium libreoffice-calc-nogui
browser:
	@if (command -v chromium || command -v chromium-browser) >/dev/null && command -v soffice >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get install -y -qq --no-install-recommends $(BROWSER_PKGS) >/dev/null 2>&1 || \
	  (apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $(BROWSER_PKGS) >/dev/null) || \
	  echo "warning: could not install $(BROWSER_PKGS); their tests are skipped"; \
	else echo "warning: no Chromium or LibreOffice; the tests that open the reports and the workbook are skipped"; fi

test: setup fonts browser
	$(BIN)/python -m pytest

# Jupyter (the `notebooks` extra) and the notebooks on the pipeline's outputs; POLICY_FOCUS=<doc_id>
# picks the policy they open (default: notebooks.policy in settings.yaml)
notebooks: setup fonts
	$(BIN)/python -m pip install --quiet -e '.[notebooks]'
	$(BIN)/jupyter lab notebooks/

# experiments in 200 columns: the headline metrics and the knobs of params.yaml (a plain
# `dvc exp show` has a column per dependency, one per manifest text)
EXP_KEEP = ^(Experiment|Created|actor|entity|instrument|issuer|modality|unseen\.(actor|entity|instrument|issuer|modality)|aligned|mean_similarity|train\.(c|entities\.c1)|compare\.align_threshold)$$
exp: setup
	COLUMNS=200 DVC_NO_ANALYTICS=1 $(BIN)/dvc exp show --no-pager --drop '.*' --keep '$(EXP_KEEP)'

bench: setup
	$(BIN)/python bench/structure.py
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/scale.py

clean:
	rm -rf $(VENV) data eval/metrics.json
