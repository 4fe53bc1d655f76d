.PHONY: run test bench
run:
	scripts/start.sh
test:
	scripts/test.sh
bench:
	bench/run.sh
