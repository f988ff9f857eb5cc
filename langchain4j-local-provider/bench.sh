#!/usr/bin/env bash
# LocalChatModel vs langchain4j-jlama's JlamaChatModel, N threads calling chat() at once (see ProviderBench --help).
# Usage (from anywhere): langchain4j-local-provider/bench.sh [--json] [--clients 8] [--max-tokens 48] [--weights Q4]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64; fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
mvn -q -pl langchain4j-local-provider -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test >&2
M=langchain4j-local-provider
exec "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:ThreadPriorityPolicy=1 \
    --add-exports java.base/sun.nio.ch=ALL-UNNAMED -Xmx8g -Dfairway.shared="$PWD/../shared" \
    -cp "$M/target/test-classes:$M/target/classes:jlama-backend/target/classes:$(cat $M/target/bench.cp)" \
    dev.fairway.langchain4j.bench.ProviderBench "$@"
