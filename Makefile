# The two commands the README opens with:
#   make demo   set up, build the sample digest, dry-run a send to the sample list; build and
#               check the full-week sample (samples/full-week/: note, cards, sections, brand)
#   make test   set up, run the whole test suite and report its coverage
#   make lint   the gates: ruff check, ruff format --check, mypy, radon grade C (pinned in
#               pyproject), and the generated pages of the docs (docs/cli.md,
#               docs/configuration.md) up to date
#   make docs   the docs site (MkDocs, Material theme) into site-docs/, strict: a broken link fails
#   make docs-gen  rewrite docs/cli.md, docs/configuration.md and docs/modules.md from the code
#   make screenshots  docs/img/email-*.png: the full-week sample at 375 and 640 px, light and dark
#   make bench-smoke  every benchmark at a tiny size (CI): they still run
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench bench-smoke lint docs docs-gen docs-serve screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@# Byte-compile now: with PYTHONDONTWRITEBYTECODE set, every cold run would recompile the package.
	$(BIN)/python -m compileall -q newsletter
	touch $(STAMP)

demo: $(STAMP)
	@echo "== 1/3 the bundled seed (seeds/) -> issues/2026-W48/"
	$(BIN)/newsletter build seeds/ --date 2026-11-26
	@echo "== 2/3 a fuller week, another workspace (samples/full-week: stories and feeds) -> samples/full-week/issues/2026-W48/, then its check"
	cd samples/full-week && $(abspath $(BIN))/newsletter build seeds/ feeds/ --date 2026-11-26
	cd samples/full-week && $(abspath $(BIN))/newsletter check issues/2026-W48
	@echo "== 3/3 the sample list, and a dry run of step 1's issue: one .eml per reader in issues/2026-W48/outbox/"
	$(BIN)/newsletter subscribers import samples/subscribers.csv
	$(BIN)/newsletter send issues/2026-W48 --dry-run

# The suite, with line and branch coverage of newsletter/ (pytest-cov; settings in pyproject).
test: $(STAMP)
	$(BIN)/python -m pytest --cov --cov-report=term:skip-covered

# Postfix's smtp-sink and mailmerge (bench_send.py's docstring says how to get them) are
# looked for first: one line naming what is missing, before any benchmark runs.
bench: $(STAMP)
	@$(BIN)/python bench/bench_send.py --check-tools
	$(BIN)/python bench/bench_build.py
	$(BIN)/python bench/bench_rank.py
	$(BIN)/python bench/bench_lead_stories.py
	$(BIN)/python bench/bench_memory.py
	$(BIN)/python bench/bench_send.py
	$(BIN)/python bench/bench_archive.py
	$(BIN)/python bench/bench_check.py
	$(BIN)/python bench/bench_serve.py
	$(BIN)/python bench/bench_bounces.py
	$(BIN)/python bench/bench_personal.py
	$(BIN)/python bench/bench_issue_readers.py
	$(BIN)/python bench/bench_markdown.py
	$(BIN)/python bench/bench_feeds.py
	$(BIN)/python bench/bench_send_postgres.py
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_status.py
	$(BIN)/python bench/bench_smtp_replies.py

# Every benchmark at a tiny size, in CI after the tests: it checks they still run (a renamed
# import, a changed command), not their numbers. bench_send uses aiosmtpd's sink here (no
# Postfix smtp-sink needed) and skips mailmerge (no download).
bench-smoke: $(STAMP)
	$(BIN)/python bench/bench_build.py --runs 1
	$(BIN)/python bench/bench_rank.py --sizes 200 --runs 1
	$(BIN)/python bench/bench_lead_stories.py --sizes 3 --words 200
	$(BIN)/python bench/bench_memory.py --issues 3 --runs 1
	$(BIN)/python bench/bench_send.py --compare 20 --big 40 --runs 1 --skip-mailmerge --smtp-sink aiosmtpd
	$(BIN)/python bench/bench_archive.py --issues 3 --runs 1
	$(BIN)/python bench/bench_check.py --runs 1
	$(BIN)/python bench/bench_serve.py --requests 50 --clients 2 --workers 1 --rates 0
	$(BIN)/python bench/bench_bounces.py --reports 20 --subscribers 50
	$(BIN)/python bench/bench_personal.py --readers 50 --runs 1
	$(BIN)/python bench/bench_issue_readers.py --issues 3 --runs 1
	$(BIN)/python bench/bench_markdown.py --size 20000 --runs 1 --only links paragraphs
	$(BIN)/python bench/bench_feeds.py --entries 2000 --only entries utf-16
	$(BIN)/python bench/bench_send_postgres.py --n 50 --smtp-sink aiosmtpd
	$(BIN)/python bench/bench_import.py --rows 200
	$(BIN)/python bench/bench_smtp_replies.py --n 200 --runs 1
	$(BIN)/python bench/bench_status.py --readers 2000 --runs 1
	$(BIN)/python bench/simulate_editor.py --smoke

# The gates, at the versions pinned in pyproject's `lint` extra.
LINT_STAMP := $(VENV)/.lint-installed

$(LINT_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,lint]'
	touch $(LINT_STAMP)

lint: $(LINT_STAMP)
	$(BIN)/ruff check newsletter tests bench tools
	$(BIN)/ruff format --check newsletter tests bench tools
	$(BIN)/mypy
	$(BIN)/python tools/check_complexity.py  # no block worse than radon grade C
	$(BIN)/lint-imports  # .importlinter: each stage imports only the stages before it
	$(BIN)/python tools/gen_docs.py --check

# The docs site, at the versions pinned in pyproject's `docs` extra.
DOCS_STAMP := $(VENV)/.docs-installed

$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,docs]'
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/python tools/gen_docs.py --check
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-gen: $(STAMP)
	$(BIN)/python tools/gen_docs.py

# docs/img/email-{375,640}-{light,dark}.png for docs/email-design.md: the full-week sample,
# rebuilt, in Debian's headless Chromium (images answered with a placeholder photo, offline).
screenshots: $(STAMP)
	cd samples/full-week && $(abspath $(BIN))/newsletter build seeds/ feeds/ --date 2026-11-26
	$(BIN)/python tools/screenshots.py samples/full-week/issues/2026-W48 --out docs/img

docs-serve: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis site-docs
