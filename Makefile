# alignment: PGXS build, plus the demo and test drivers.
#
#   make demo   install what is missing, build, install, start a throwaway
#               cluster, load real data and print the metrics
#   make test   the same set-up, then every pg_regress and pgTAP test
#   make stop   stop the throwaway cluster
#   make bench  generate 100k and 1M leads and time the extension against
#               plain SQL (bench/README.md)

EXTENSION = alignment
# The one place the version lives is alignment.control.
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" \
	$(EXTENSION).control)

MODULE_big = $(EXTENSION)
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# The base install script and one update script per release, built from
# src/sql/ by scripts/build-sql.sh.
DATA_built = $(shell scripts/build-sql.sh --list)

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=.
ISOLATION = facts_concurrency
ISOLATION_OPTS = --inputdir=.

PG_CFLAGS = -Wall -Wextra -Werror

PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config
ifeq ($(wildcard $(PG_CONFIG)),)
PG_CONFIG = pg_config
endif
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
# pgxs.mk comes with the client package too; without postgres.h there is
# nothing to build against.
ifeq ($(wildcard $(shell $(PG_CONFIG) --includedir-server 2>/dev/null)/postgres.h),)
PGXS :=
endif
# The server's headers are system headers to us: -Wextra judges our code,
# not theirs (GCC drops the -I that PGXS adds for the same folder).
PG_CPPFLAGS = -isystem $(shell $(PG_CONFIG) --includedir-server 2>/dev/null)

# Data set the demo loads: a folder of ../shared/data, or "generated",
# given as DATA=... (or DATA_DIR=...). PGXS reads DATA as the list of files
# to install, so a DATA from the command line or the environment is taken
# here and cleared for PGXS (and for the sub-makes, which see it again).
DATA_DIR ?= ../shared/data/olist-marketing-funnel
ifneq ($(filter command line environment environment override,$(origin DATA)),)
DATA_DIR := $(DATA)
override DATA :=
endif
LEADS ?= 100000

CLUSTER = scripts/cluster.sh

ifneq ($(PGXS),)
include $(PGXS)
else
# No server headers yet: only the targets that install them can run.
all install installcheck:
	@echo "PostgreSQL 15 server headers are missing; run 'make deps'" >&2
	@exit 1
endif

$(DATA_built): $(shell find src/sql -name '*.sql') $(EXTENSION).control \
		scripts/build-sql.sh
	scripts/build-sql.sh

.PHONY: deps demo test stop check-version bench

deps:
	@$(CLUSTER) deps

check-version:
	@grep -q "^default_version = '$(EXTVERSION)'" $(EXTENSION).control

# Each driver re-invokes make after deps so that PGXS is loaded.
demo: deps
	@$(MAKE) -s all
	@$(MAKE) -s install
	@$(CLUSTER) start
	@$(CLUSTER) demo "$(DATA_DIR)" "$(LEADS)"

test: deps
	@$(MAKE) -s all
	@$(MAKE) -s install
	@$(CLUSTER) start
	@$(CLUSTER) test

stop:
	@$(CLUSTER) stop

bench: deps
	@$(MAKE) -s all
	@$(MAKE) -s install
	@$(CLUSTER) start
	@bench/bench.sh
