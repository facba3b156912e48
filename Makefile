# The two commands of the README. Both install what is missing on a Debian machine first.
.PHONY: run test build bench

run:
	./scripts/run-demo.sh

test:
	./scripts/test.sh

build:
	dotnet build XmppPrivacy.sln

bench:
	./bench/run-stream-reader.sh
