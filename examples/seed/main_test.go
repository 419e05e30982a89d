package main

// The program prints the two gradients.
func Example() {
	main()
	// Output: 16 3
}
