package dev.ferry.testkit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.jmdns.ServiceEvent;
import javax.jmdns.ServiceInfo;
import javax.jmdns.ServiceListener;

/**
 * A raw JmDNS listener for mDNS tests: the services resolved on the link so far, by instance name
 * (added and removed events are ignored; a resolved service carries its address, port and TXT).
 */
public final class ResolvedServices implements ServiceListener {
  public final Map<String, ServiceInfo> byName = new ConcurrentHashMap<>();

  @Override
  public void serviceAdded(ServiceEvent event) {}

  @Override
  public void serviceRemoved(ServiceEvent event) {}

  @Override
  public void serviceResolved(ServiceEvent event) {
    byName.put(event.getName(), event.getInfo());
  }
}
