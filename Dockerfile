# Build: the fat jar with Maven
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml cluster.xml ./
RUN mvn -B -q dependency:go-offline
COPY src ./src
# the JS SDK, served by the node at /sdk/
COPY clients/js/herald.js clients/js/polling.js clients/js/herald.d.ts ./clients/js/
RUN mvn -B -q package -DskipTests

# Run: the jar on a JRE, as an unprivileged user
FROM eclipse-temurin:17-jre
RUN useradd --system --create-home --home-dir /app herald && mkdir /data && chown herald /data
WORKDIR /app
COPY --from=build /src/target/herald.jar /app/herald.jar
COPY cluster.xml /app/cluster.xml
USER herald
ENV HERALD_DATA_DIR=/data HERALD_PORT=8080
VOLUME /data
EXPOSE 8080
# ready = database reachable, cluster joined, not draining; bash's /dev/tcp, as the JRE image has no curl
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/${HERALD_PORT:-8080} && printf "GET /health/ready HTTP/1.0\r\n\r\n" >&3 && head -1 <&3 | grep -q " 200 "'
# SIGTERM drains the node (HERALD_DRAIN_TIMEOUT, 20 s): give it that long before the SIGKILL
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "-jar", "/app/herald.jar"]
