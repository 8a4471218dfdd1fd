package dev.ferry.cli;

public final class FerryMain {
  public static void main(String[] args) {}
}
