#!/usr/bin/env bash
# LocalChatModel vs langchain4j-jlama's JlamaChatModel, N threads calling chat() at once (see ProviderBench --help).
# Usage (from anywhere): bench/provider-bench.sh [--json] [--clients 8] [--max-tokens 48] [--weights Q4]
# ProviderBench is in bench's test sources: langchain4j-jlama, its baseline, never ships with the application.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64; fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
mvn -q -pl bench -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test >&2
M=bench
exec "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:ThreadPriorityPolicy=1 \
    --add-exports java.base/sun.nio.ch=ALL-UNNAMED -Xmx8g -Dfairway.shared="$PWD/../shared" \
    -cp "$M/target/test-classes:$M/target/classes:langchain4j-local-provider/target/classes:testkit/target/classes:jlama-backend/target/classes:$(cat $M/target/bench.cp)" \
    dev.fairway.bench.provider.ProviderBench "$@"
