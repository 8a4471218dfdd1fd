package dev.ferry.tunnel.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.ThreadFactory;

/**
 * Native epoll on Linux when it loads, NIO elsewhere. Channel classes must match the group's I/O
 * handler, so both always come from the same instance.
 */
public enum Transport {
  EPOLL,
  NIO;

  /**
   * The transport to use: NIO unless {@code -Dferry.transport=epoll} and epoll loads.
   *
   * <p>Why not epoll by default: in Netty 4.2.18 a half-closed epoll channel whose interest set
   * drops to nothing is removed from the epoll set (EPOLL_CTL_DEL) while its registration still
   * reads "added"; the next write that needs EPOLLOUT then fails with epoll_ctl ENOENT and the
   * channel's output is shut down. A client that half-closes and then reads a large reply hits
   * exactly that (ThroughputTest caught it). Switch back once Netty fixes it.
   */
  public static Transport best() {
    boolean wantEpoll = "epoll".equalsIgnoreCase(System.getProperty("ferry.transport", "nio"));
    return wantEpoll && Epoll.isAvailable() ? EPOLL : NIO;
  }

  public EventLoopGroup newGroup(int threads, ThreadFactory threadFactory) {
    return new MultiThreadIoEventLoopGroup(
        threads,
        threadFactory,
        this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  public Class<? extends ServerChannel> serverChannel() {
    return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  public Class<? extends SocketChannel> socketChannel() {
    return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
  }
}
